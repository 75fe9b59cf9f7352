#!/usr/bin/env bash
# The main job: the paper-trading session (`keel demo`): every Keel app, simulated venues on
# recorded data, the example model; --minutes (default 2) or until Ctrl-C, then the summary.
# Uses $KEEL_NATS_URL (or its alias $NATS_URL) when it points at a reachable server; otherwise starts a local nats-server
# (installed from apt if missing) with JetStream in ./data/nats.
#
# Signals (README, "Stopping"). `npm start` execs this script (package.json), and npm
# forwards every SIGINT and SIGTERM it gets to it. keel runs as this script's child in the
# terminal's process group, so:
# - a Ctrl-C reaches keel from the terminal itself; npm's forwarded copy stops here (ignored),
#   or keel would count one Ctrl-C as two and force;
# - a SIGTERM sent to npm alone (a supervisor, `timeout`, an IDE's stop button) reaches keel
#   only through npm and this script, so it is passed on (so are SIGHUPs);
# - keel runs under node directly (the bundle, through its launcher): `npm run` or the tsx CLI in between would forward or
#   relay the signals once more (and the tsx CLI SIGKILLs a child that is slow to answer).
set -euo pipefail
cd "$(dirname "$0")/.."
# SKIP_ENSURE_DEPS=1: node_modules and nats-server are known to be there (the signals spec sets
# it: a spec must not run `npm install` in a node_modules other checkouts share).
[ "${SKIP_ENSURE_DEPS:-}" = 1 ] || bash scripts/ensure-deps.sh yes

trap '' INT
node scripts/keel.cjs demo "$@" &
keel=$!
trap 'kill -TERM "$keel" 2>/dev/null || true' TERM HUP
# `wait` returns early when a trapped signal arrives: wait again until keel has exited.
status=0
while :; do
  wait "$keel" && status=0 || status=$?
  kill -0 "$keel" 2>/dev/null || break
done
exit "$status"
