/**
 * execution: moves each account to its target with a maker-first TWAP.
 * Today a shell: it rebuilds its state from the log, consumes its events from NATS and
 * serves /healthz, /readyz and /metrics on port 8083 (KEEL_HTTP_PORT).
 */
import { runFoldingAppMain, tallyApp } from '@keel/runtime';

const app = tallyApp('execution', ['TargetPositionSet', 'OrderAccepted', 'OrderRejected', 'OrderFilled', 'OrderCancelled', 'KillSwitchEngaged', 'KillSwitchReleased']);

void runFoldingAppMain(app, 8083).then((code) => (process.exitCode = code));
