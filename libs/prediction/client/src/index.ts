// @keel/prediction-client: a model's side of the predictions API (docs/predictions-api.md):
// sign, send one prediction or a batch, retry what can be retried, report refusals.
export type { Accepted, PredictionInput, RefusalDetail, Sent } from './lib/prediction.types';
export { PredictionRefused, PredictionUnreachable } from './lib/prediction.errors';
export { signBody } from './lib/signature';
export { DEFAULT_BACKOFF, MAX_RETRY_AFTER_MS } from './lib/retry';
export type { BackoffOptions } from './lib/retry';
export { createPredictionClient } from './lib/prediction.client';
export type { PredictionClient, PredictionClientOptions } from './lib/prediction.client';
