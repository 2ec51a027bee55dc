#!/usr/bin/env bash
# Runs every test: formatting, pallet unit tests and benchmark tests, runtime tests, and the
# end-to-end tests that start real nodes (single node, council-added validator, four-validator
# network, polkadot.js client, chain-spec drift).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

log "checking formatting"
cargo fmt --all -- --check

build_workspace

log "running the workspace tests (unit, runtime, end-to-end)"
# End-to-end tests start several nodes each; one test binary at a time keeps two cores enough.
cargo test --locked --release --workspace --no-fail-fast -- --test-threads 1

log "running the pallet benchmark tests"
for pallet in pallet-validator-set; do
	cargo test --locked --release -p "$pallet" --features runtime-benchmarks -- benchmark
done
