#!/usr/bin/env bash
# Regenerates the node agent's committed runtime metadata (node-agent/chain/metadata/tfchain.scale)
# from the runtime source; the chain client's typed API is generated from that file. Run it after
# changing a pallet's calls, storage, events or errors (the drift test in
# node-agent/chain/tests/metadata.rs fails until you do).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

log "writing node-agent/chain/metadata/tfchain.scale"
TFCHAIN_UPDATE_METADATA=1 SKIP_WASM_BUILD=1 \
	cargo test --release -p tfchain-agent-chain --test metadata -- --nocapture
