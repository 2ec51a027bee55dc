#!/usr/bin/env bash
# Formatting and clippy (warnings are errors) over every crate and target.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

cargo fmt --all -- --check
SKIP_WASM_BUILD=1 cargo clippy --locked --release --workspace --all-targets -- -D warnings
SKIP_WASM_BUILD=1 cargo clippy --locked --release -p pallet-validator-set -p pallet-runtime-upgrade \
	--features pallet-validator-set/runtime-benchmarks,pallet-validator-set/try-runtime,pallet-runtime-upgrade/try-runtime \
	--all-targets -- -D warnings
