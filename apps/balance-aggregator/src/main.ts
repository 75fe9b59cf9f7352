/**
 * balance-aggregator: values every account across venues in real time.
 * Today a shell: it rebuilds its state from the log, consumes its events from NATS and
 * serves /healthz, /readyz and /metrics on port 8085 (KEEL_HTTP_PORT).
 */
import { runFoldingAppMain, tallyApp } from '@keel/runtime';

const app = tallyApp('balance-aggregator', ['BalanceSnapshot', 'OrderFilled']);

void runFoldingAppMain(app, 8085).then((code) => (process.exitCode = code));
