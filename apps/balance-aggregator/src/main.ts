/**
 * balance-aggregator: values every account in real time. Today: the live PnL of every
 * account × instrument (PnlUpdated, see pnl.app.ts), rebuilt from the log at start-up and
 * consumed from NATS; serves /healthz, /readyz and /metrics on port 8085 (KEEL_HTTP_PORT).
 */
import { runFoldingAppMain } from '@keel/runtime';
import { pnlApp } from './pnl.app';

void runFoldingAppMain(pnlApp, 8085).then((code) => (process.exitCode = code));
