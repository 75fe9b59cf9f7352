#!/usr/bin/env bash
# The whole test suite, as CI runs it: type-check, lint (module boundaries included) and every
# project's tests. Integration tests start their own nats-server on free ports, so the binary
# must be installed even when NATS_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
KEEL_NEEDS_NATS_BINARY=yes bash scripts/ensure-deps.sh yes
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-${CI:+true}}"
echo "[keel] type-check" >&2
npx tsc -p tsconfig.json
echo "[keel] lint + tests" >&2
npx nx run-many -t lint test --outputStyle=stream "$@"
