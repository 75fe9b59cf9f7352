#!/usr/bin/env bash
# The whole test suite, as CI runs it: format check, type-check, lint (module boundaries included) and every
# project's tests. Integration tests start their own nats-server on free ports, so the binary
# must be installed even when KEEL_NATS_URL (or its alias NATS_URL) is set; the report's screenshot test needs
# Chromium, and `keel soak`'s e2e spec libfaketime. Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
KEEL_NEEDS_NATS_BINARY=yes KEEL_NEEDS_CHROMIUM=yes KEEL_NEEDS_FAKETIME=yes bash scripts/ensure-deps.sh yes
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-${CI:+true}}"
echo "[keel] format (prettier --check)" >&2
npx prettier --check . --log-level warn
echo "[keel] type-check" >&2
npx tsc -p tsconfig.json
echo "[keel] lint + tests" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
npx nx run-many -t lint test --outputStyle=stream "$@" 2>&1 | tee "$log" || status=$?
# Sum Jest's per-project "Tests:" lines into one closing line.
sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\S+:? *Tests: ' | awk '
  { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^skipped/) s += $i } }
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'
exit "$status"
