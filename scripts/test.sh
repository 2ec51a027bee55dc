#!/usr/bin/env bash
# Runs every test: formatting, pallet unit tests and benchmark tests, runtime tests, and the
# end-to-end tests that start real nodes (single node, council-added validator, four-validator
# network, polkadot.js client, chain-spec drift).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

"$ROOT/scripts/setup.sh"

# The test output also goes to this file; the totals of its `test result:` lines end the run.
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT
run_tests() { cargo test --locked --release "$@" 2>&1 | tee -a "$RESULTS"; }

log "checking formatting"
cargo fmt --all -- --check

build_workspace

log "running the workspace tests (unit, runtime, end-to-end)"
# End-to-end tests start several nodes each; one test binary at a time keeps two cores enough.
run_tests --workspace --no-fail-fast -- --test-threads 1

log "running the pallet benchmark tests"
for pallet in pallet-validator-set pallet-tfgrid pallet-kvstore pallet-burning pallet-smart-contract pallet-tft-price pallet-dao pallet-minting; do
	run_tests -p "$pallet" --features runtime-benchmarks -- benchmark
done

totals=$(grep -a '^test result:' "$RESULTS")
passed=$(grep -o '[0-9]* passed' <<<"$totals" | awk '{s += $1} END {print s + 0}')
failed=$(grep -o '[0-9]* failed' <<<"$totals" | awk '{s += $1} END {print s + 0}')
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
