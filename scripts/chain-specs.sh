#!/usr/bin/env bash
# Regenerates the committed chain specs of the local networks from the runtime's presets.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ -x "$NODE_BIN" ] || build_workspace
for spec in local:local four:four-validators; do
	chain="${spec%%:*}"
	file="$ROOT/chain-specs/${spec#*:}.json"
	log "writing $file"
	"$NODE_BIN" build-spec --chain "$chain" --raw --disable-default-bootnode 2>/dev/null >"$file"
done
