#!/usr/bin/env bash
# Installs what Keel needs on a fresh Debian/Ubuntu machine with Node 20+: the npm packages
# (when package-lock.json changed since the last install) and a nats-server binary (from apt,
# unless one is on PATH or NATS_URL points at a reachable server). Safe to run every time.
set -euo pipefail
cd "$(dirname "$0")/.."

need_nats_binary="${1:-yes}"

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[keel] installing npm packages (better-sqlite3 compiles from source, ~2 min the first time)" >&2
  # `npm install`, not `npm ci`: npm records only the host platform's optional native packages
  # (@swc/core-*, @nx/nx-*) in the lock file (npm/cli#4828), so `npm ci` refuses a lock file
  # written on another machine. `npm install` keeps the locked versions and fills the gap.
  npm install --no-audit --no-fund --loglevel=error >&2
fi

nats_reachable() {
  [ -n "${NATS_URL:-}" ] || return 1
  local hostport="${NATS_URL#*://}"; hostport="${hostport%%,*}"; hostport="${hostport##*@}"
  local host="${hostport%:*}" port="${hostport##*:}"
  timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
}

if [ "$need_nats_binary" = "yes" ] && ! command -v nats-server >/dev/null 2>&1; then
  if [ "${KEEL_NEEDS_NATS_BINARY:-}" != "yes" ] && nats_reachable; then
    echo "[keel] using the NATS server at $NATS_URL" >&2
  else
    echo "[keel] installing nats-server from apt" >&2
    SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
    $SUDO apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nats-server >&2
  fi
fi

# Chromium for the HTML report's screenshot test (tools/keel/src/demo/report.screenshot.e2e.spec.ts),
# when asked (scripts/test.sh sets KEEL_NEEDS_CHROMIUM=yes). apt's output goes to a log, shown on failure.
ensure_chromium() {
  [ -x "${KEEL_CHROMIUM_BIN:-/usr/bin/chromium}" ] && return 0
  local log="tmp/ensure-deps-chromium.log"
  mkdir -p tmp
  echo "[keel] installing chromium from apt (log: $log)" >&2
  local sudo=""; [ "$(id -u)" = "0" ] || sudo="sudo"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "[keel] chromium install failed (full log: $log)" >&2
    return 1
  fi
}

if [ "${KEEL_NEEDS_CHROMIUM:-}" = "yes" ]; then
  ensure_chromium
fi
