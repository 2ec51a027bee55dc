#!/usr/bin/env bash
# Formatting, then clippy with warnings as errors: every crate and target with default features,
# and our pallets with `runtime-benchmarks` and `try-runtime` (their benchmark and try_state code).
# Check mode: no wasm is built.
#
# Not `--all-features` on the workspace: with it, the node's benchmarking CLI pulls in
# `pallet-staking` without its `try-runtime` feature while `pallet-session` has it, and the SDK
# does not compile in that combination (stable2609).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

cargo fmt --all -- --check
export SKIP_WASM_BUILD=1
cargo clippy --locked --release --workspace --all-targets -- -D warnings
cargo clippy --locked --release -p pallet-validator-set -p pallet-runtime-upgrade --all-targets \
	--features pallet-validator-set/runtime-benchmarks,pallet-validator-set/try-runtime,pallet-runtime-upgrade/try-runtime \
	-- -D warnings
# The runtime with try-runtime (its TryRuntime API and every pallet's try_state hook).
cargo clippy --locked --release -p tfchain-runtime --features try-runtime -- -D warnings
