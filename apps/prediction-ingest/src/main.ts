/**
 * prediction-ingest: takes models' predictions in, over HTTP (`POST /v1/predictions` on 8090)
 * and NATS (`keel.cmd.prediction.submit`), and records each as PredictionReceived
 * (production.ts; docs/predictions-api.md). Health on 8081.
 */
import { runMain } from '@keel/runtime';
import { ingestMain } from './production';

void runMain(ingestMain).then((code) => (process.exitCode = code));
