#!/usr/bin/env bash
# Runs the walkthrough demo (as root: real namespaces and packets; otherwise
# the --dry-run ruleset). Installs what is missing first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DENO="$(bash scripts/ensure_deps.sh | tail -n 1)"
exec "$DENO" task demo
