#!/usr/bin/env bash
# Regenerates the weights of our pallets with the node's `benchmark pallet` command, on this
# machine, from a runtime wasm built with `runtime-benchmarks`. The shipped node is not rebuilt:
# the pallet benchmark runs the given wasm on its own executor.
#
# Usage: scripts/benchmark.sh [pallet ...]   (default: all of ours)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
WASM="$CARGO_TARGET_DIR/release/wbuild/tfchain-runtime/tfchain_runtime.compact.compressed.wasm"

[ -x "$NODE_BIN" ] || build_workspace
log "building the runtime wasm with runtime-benchmarks"
cargo build --locked --release -p tfchain-runtime --features runtime-benchmarks
cp "$WASM" "$CARGO_TARGET_DIR/tfchain_runtime_benchmarks.wasm"
WASM="$CARGO_TARGET_DIR/tfchain_runtime_benchmarks.wasm"

pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(pallet_validator_set pallet_tfgrid pallet_kvstore pallet_burning pallet_smart_contract pallet_tft_price pallet_dao pallet_minting)
for pallet in "${pallets[@]}"; do
	dir="pallets/$(echo "${pallet#pallet_}" | tr _ -)"
	log "benchmarking $pallet into $dir/src/weights.rs"
	"$NODE_BIN" benchmark pallet \
		--runtime "$WASM" \
		--genesis-builder=runtime \
		--genesis-builder-preset=development \
		--pallet "$pallet" \
		--extrinsic '*' \
		--steps "$STEPS" \
		--repeat "$REPEAT" \
		--heap-pages 4096 \
		--template .maintain/frame-weight-template.hbs \
		--output "$dir/src/weights.rs"
done
# The next normal build puts the production wasm back in place.
log "done; rebuild (scripts/test.sh or build_workspace) to restore the production wasm"
