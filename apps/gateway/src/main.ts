/**
 * gateway: owns each venue account: orders, rate budget, reconciliation.
 * Today a shell: it rebuilds its state from the log, consumes its events from NATS and
 * serves /healthz, /readyz and /metrics on port 8086 (KEEL_HTTP_PORT).
 */
import { runFoldingAppMain, tallyApp } from '@keel/runtime';

const app = tallyApp('gateway', ['ChildOrderRequested', 'KillSwitchEngaged', 'KillSwitchReleased']);

void runFoldingAppMain(app, 8086).then((code) => (process.exitCode = code));
