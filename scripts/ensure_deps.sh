#!/usr/bin/env bash
# Installs what the proxy's demo, tests and benchmark need, when it is missing:
#   - Deno (pinned), from the npm package `deno`, into ./.tools;
#   - nftables, conntrack, iproute2, python3 and iptables from apt, when running as root.
# Prints the path of the deno binary on its last line.
set -euo pipefail
DENO_VERSION=2.9.6
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"

if [ "$(id -u)" = 0 ]; then
  missing=()
  command -v nft >/dev/null || missing+=(nftables)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v python3 >/dev/null || missing+=(python3)
  # Optional at run time (removing upstream kube-proxy's iptables-mode leftovers); the tests use it.
  command -v iptables-nft-restore >/dev/null || missing+=(iptables)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "ensure_deps: installing ${missing[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq "${missing[@]}" >&2
  fi
fi

DENO="$TOOLS/node_modules/.bin/deno"
if [ ! -x "$DENO" ] || ! "$DENO" --version 2>/dev/null | grep -q "deno $DENO_VERSION"; then
  echo "ensure_deps: installing deno@$DENO_VERSION from npm into $TOOLS" >&2
  mkdir -p "$TOOLS"
  npm install --silent --no-save --no-audit --no-fund --prefix "$TOOLS" "deno@$DENO_VERSION" >&2
fi
echo "$DENO"
