#!/usr/bin/env bash
# Installs what Keel needs on a fresh Debian/Ubuntu machine with Node 20+: the npm packages
# (when package-lock.json changed since the last install), the `keel` CLI bundle and a
# nats-server binary (from apt, unless one is on PATH or KEEL_NATS_URL points at a reachable
# server). Safe to run every time.
#
# Quiet on purpose: npm and apt write pages of output nobody reads unless something fails, so
# it goes to one log file (data/setup.log, git-ignored) and each step prints one line when it
# starts and one when it ends, with its time. A failed step prints the log's last lines.
set -euo pipefail
cd "$(dirname "$0")/.."

need_nats_binary="${1:-yes}"
# One name for the NATS URL; NATS_URL is accepted as an alias (KEEL_NATS_URL wins).
KEEL_NATS_URL="${KEEL_NATS_URL:-${NATS_URL:-}}"

mkdir -p data
LOG="${KEEL_SETUP_LOG:-data/setup.log}"
{ echo; echo "=== $(date -u +%FT%TZ) scripts/ensure-deps.sh ==="; } >>"$LOG"

# step "label" command...: one line before, one after ("done in N s"), output to $LOG.
step() {
  local label="$1"; shift
  local t0=$SECONDS
  echo "[keel] $label … (log: $LOG)" >&2
  echo "--- $label: $*" >>"$LOG"
  if "$@" >>"$LOG" 2>&1; then
    echo "[keel] $label: done in $((SECONDS - t0)) s" >&2
  else
    local rc=$?
    echo "[keel] $label: FAILED (exit $rc) after $((SECONDS - t0)) s; the last lines of $LOG:" >&2
    tail -n 40 "$LOG" | sed 's/^/    /' >&2
    exit "$rc"
  fi
}

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install`, not `npm ci`: npm records only the host platform's optional native packages
  # (@swc/core-*, @nx/nx-*) in the lock file (npm/cli#4828), so `npm ci` refuses a lock file
  # written on another machine. `npm install` keeps the locked versions and fills the gap.
  # better-sqlite3 compiles from source here (no reachable prebuilt binary): most of the time.
  step "installing npm packages (better-sqlite3 compiles from source)" \
    npm install --no-audit --no-fund --loglevel=error
fi

# The CLI runs from one bundled file; build it now so the first `keel` call is fast (the
# launcher rebuilds it whenever a source is newer, so this is only a head start).
step "building the keel CLI bundle (dist/keel/keel.cjs)" node scripts/keel.cjs --build

nats_reachable() {
  [ -n "${KEEL_NATS_URL:-}" ] || return 1
  local hostport="${KEEL_NATS_URL#*://}"; hostport="${hostport%%,*}"; hostport="${hostport##*@}"
  local host="${hostport%:*}" port="${hostport##*:}"
  timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
}

if [ "$need_nats_binary" = "yes" ] && ! command -v nats-server >/dev/null 2>&1; then
  if [ "${KEEL_NEEDS_NATS_BINARY:-}" != "yes" ] && nats_reachable; then
    echo "[keel] using the NATS server at $KEEL_NATS_URL" >&2
  else
    SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
    # A failed `apt-get update` (e.g. one unreachable mirror) need not stop the install.
    step "updating apt's package lists" bash -c "$SUDO apt-get update -q || true"
    step "installing nats-server from apt" \
      env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q nats-server
  fi
fi

# apt_install <package>: one package from apt, its output in a log shown on failure.
apt_install() {
  local pkg="$1" log="tmp/ensure-deps-$1.log"
  mkdir -p tmp
  echo "[keel] installing $pkg from apt (log: $log)" >&2
  local sudo=""; [ "$(id -u)" = "0" ] || sudo="sudo"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "[keel] $pkg install failed (full log: $log)" >&2
    return 1
  fi
}

# Chromium for the HTML report's screenshot test (tools/keel/src/demo/report.screenshot.e2e.spec.ts),
# when asked (scripts/test.sh sets KEEL_NEEDS_CHROMIUM=yes).
if [ "${KEEL_NEEDS_CHROMIUM:-}" = "yes" ] && [ ! -x "${KEEL_CHROMIUM_BIN:-/usr/bin/chromium}" ]; then
  apt_install chromium
fi

# libfaketime for `keel soak`'s clock steps (its e2e spec steps the apps' system clocks), when
# asked (scripts/test.sh sets KEEL_NEEDS_FAKETIME=yes).
has_faketime() {
  local lib
  for lib in /usr/lib/*-linux-gnu/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
    [ -f "$lib" ] && return 0
  done
  return 1
}
if [ "${KEEL_NEEDS_FAKETIME:-}" = "yes" ] && ! has_faketime; then
  apt_install faketime
fi
