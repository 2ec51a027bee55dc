#!/usr/bin/env bash
# Installs what building and testing need, when it is missing: Debian packages, the pinned Rust
# toolchain with its wasm targets and components, and the polkadot.js test dependencies.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

missing=()
command -v protoc >/dev/null || missing+=(protobuf-compiler)
command -v cc >/dev/null || missing+=(build-essential)
command -v c++ >/dev/null || missing+=(g++)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v git >/dev/null || missing+=(git)
command -v curl >/dev/null || missing+=(curl)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# The node agent's networks: namespaces, bridges and taps (iproute2), NAT (nftables).
command -v ip >/dev/null || missing+=(iproute2)
command -v nft >/dev/null || missing+=(nftables)
if ((${#missing[@]})); then
	log "installing Debian packages: ${missing[*]}"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v rustup >/dev/null; then
	log "installing rustup"
	curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --default-toolchain none
	# shellcheck disable=SC1091
	source "$HOME/.cargo/env"
fi
toolchain="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")"
log "ensuring Rust $toolchain with wasm targets, rust-src, rustfmt and clippy"
rustup toolchain install "$toolchain" --profile minimal \
	--component rustfmt,clippy,rust-src --target wasm32v1-none,wasm32-unknown-unknown

if [ -f "$ROOT/tests/polkadot-js/package-lock.json" ] && [ ! -d "$ROOT/tests/polkadot-js/node_modules/@polkadot/api" ]; then
	log "installing the polkadot.js test dependencies"
	(cd "$ROOT/tests/polkadot-js" && npm ci --no-audit --no-fund --loglevel=error)
fi
