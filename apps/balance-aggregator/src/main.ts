/**
 * balance-aggregator: values every account in real time. Today: the live PnL of every
 * account × instrument (PnlUpdated, the PnL engine of @keel/pnl-engine), rebuilt from the log
 * at start-up and consumed from NATS, and the PnL archive beside an embedded store
 * (production.ts); serves /healthz, /readyz and /metrics on port 8085 (KEEL_HTTP_PORT).
 */
import { runMain } from '@keel/runtime';
import { balanceAggregatorMain } from './production';

void runMain(balanceAggregatorMain).then((code) => (process.exitCode = code));
