#!/usr/bin/env bash
# Installs what is missing, builds, and starts a development chain (Alice validates; council
# Alice and Bob) with RPC on ws://127.0.0.1:9944, reachable from polkadot.js.
# Extra arguments go to the node, e.g. `./scripts/dev.sh --base-path /tmp/dev` to keep state.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$ROOT/scripts/setup.sh"
build_workspace
log "starting a development chain: ws://127.0.0.1:9944 (Ctrl-C stops it)"
exec "$NODE_BIN" --dev --rpc-cors all "$@"
