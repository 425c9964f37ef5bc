#!/usr/bin/env bash
# Runs the whole test suite: format/lint/type checks, unit tests and, as root,
# the end-to-end tests in network namespaces. Installs what is missing first.
# Ends with a line "N passed, N failed, N skipped".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DENO="$(bash scripts/ensure_deps.sh | tail -n 1)"
export PATH="$(dirname "$DENO"):$PATH"

if [ "$(id -u)" != 0 ]; then
  echo "NOTE: not root: the end-to-end tests in network namespaces will be skipped."
fi

echo "== deno task check (fmt, lint, type-check)"
deno task check

echo "== deno test"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
set +e
if [ "$#" -eq 0 ]; then set -- tests/ scripts/bench/tests/; fi
deno test -A --no-prompt "$@" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e
# Deno's summary: "ok | 12 passed (3 steps) | 0 failed | 2 ignored (1s)"
summary="$(sed 's/\x1b\[[0-9;]*m//g' "$LOG" | grep -E '^(ok|FAILED) \| ' | tail -n 1 || true)"
passed="$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$summary")"
failed="$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$summary")"
ignored="$(sed -nE 's/.* ([0-9]+) ignored.*/\1/p' <<<"$summary")"
echo "${passed:-0} passed, ${failed:-0} failed, ${ignored:-0} skipped"
if [ "$rc" != 0 ]; then exit "$rc"; fi
if [ "${passed:-0}" = 0 ]; then echo "no test ran" >&2; exit 1; fi
