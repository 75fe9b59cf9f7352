#!/usr/bin/env bash
# The main job: every Keel app against one NATS and the embedded store, until Ctrl-C.
# Uses $KEEL_NATS_URL (or its alias $NATS_URL) when it points at a reachable server; otherwise starts a local nats-server
# (installed from apt if missing) with JetStream in ./data/nats.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh yes
exec npm run --silent keel -- start "$@"
