#!/usr/bin/env bash
# Formatting, then clippy with warnings as errors: every crate and target with default features,
# and our pallets with `runtime-benchmarks` and `try-runtime` (their benchmark and try_state code).
# Check mode. SKIP_WASM_BUILD is deliberately not set: build scripts are shared with the release
# build, and flipping it would re-run them and relink the node on the next test run.
#
# Not `--all-features` on the workspace: with it, the node's benchmarking CLI pulls in
# `pallet-staking` without its `try-runtime` feature while `pallet-session` has it, and the SDK
# does not compile in that combination (stable2609).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

cargo fmt --all -- --check
cargo clippy --locked --release --workspace --all-targets -- -D warnings
pallets=(pallet-validator-set pallet-tfgrid pallet-kvstore pallet-burning pallet-smart-contract pallet-tft-price pallet-dao pallet-minting)
features=pallet-runtime-upgrade/try-runtime
for pallet in "${pallets[@]}"; do
	features="$features,$pallet/runtime-benchmarks,$pallet/try-runtime"
done
cargo clippy --locked --release -p pallet-runtime-upgrade "${pallets[@]/#/--package=}" --all-targets \
	--features "$features" -- -D warnings
# The runtime with try-runtime (its TryRuntime API and every pallet's try_state hook). Its build
# script is a separate unit (other features), so skipping its wasm here disturbs nothing.
SKIP_WASM_BUILD=1 cargo clippy --locked --release -p tfchain-runtime --features try-runtime -- -D warnings
