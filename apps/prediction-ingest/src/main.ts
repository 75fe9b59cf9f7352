/**
 * prediction-ingest: takes models' predictions in and records them as PredictionReceived.
 * Today a shell: it rebuilds its state from the log, consumes its events from NATS and
 * serves /healthz, /readyz and /metrics on port 8081 (KEEL_HTTP_PORT).
 */
import { runFoldingAppMain, tallyApp } from '@keel/runtime';

const app = tallyApp('prediction-ingest', ['PredictionReceived']);

void runFoldingAppMain(app, 8081).then((code) => (process.exitCode = code));
