/**
 * cme-rollover: keeps CME futures exposure in the right contract month.
 * Today a shell: it rebuilds its state from the log, consumes its events from NATS and
 * serves /healthz, /readyz and /metrics on port 8084 (KEEL_HTTP_PORT).
 */
import { runFoldingAppMain, tallyApp } from '@keel/runtime';

const app = tallyApp('cme-rollover', ['ContractMapped', 'RollScheduled', 'OrderFilled']);

void runFoldingAppMain(app, 8084).then((code) => (process.exitCode = code));
