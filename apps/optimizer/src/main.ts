/**
 * optimizer: combines predictions per symbol and sizes target positions per account.
 * Today a shell: it rebuilds its state from the log, consumes its events from NATS and
 * serves /healthz, /readyz and /metrics on port 8082 (KEEL_HTTP_PORT).
 */
import { runFoldingAppMain, tallyApp } from '@keel/runtime';

const app = tallyApp('optimizer', [
  'PredictionReceived',
  'AccountEquityUpdated',
  'ContractMapped',
  'RollScheduled',
]);

void runFoldingAppMain(app, 8082).then((code) => (process.exitCode = code));
