# Shared settings for the scripts; sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One target directory outside the checkout, kept between runs and shared by every script.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tfchain-target}"
NODE_BIN="$CARGO_TARGET_DIR/release/tfchain"
# frame-benchmarking-cli ships a parachain test runtime that only `benchmark storage
# --mode validate-block` (a parachain PoV mode) uses; building its wasm costs minutes for nothing
# on a solochain. Set it in every invocation: a change re-runs its build script.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
# The wasm builder looks for the workspace's Cargo.lock above the target directory; ours is
# outside the checkout, so tell it where the workspace is.
export WASM_BUILD_WORKSPACE_HINT="$ROOT"

log() { printf '\n==> %s\n' "$*" >&2; }

# Builds every crate of the workspace, the node and all test targets, in one cargo invocation,
# so the node the tests start is the node we ship and nothing is compiled twice.
build_workspace() {
	log "building the workspace (release): node, runtime, pallets, tests"
	(cd "$ROOT" && cargo build --locked --release --workspace --all-targets)
}
