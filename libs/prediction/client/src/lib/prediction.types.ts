/**
 * The wire shapes of `POST /v1/predictions` (docs/predictions-api.md). The client does not
 * check them: the server is the one authority on what is valid, and every refusal comes back
 * as a PredictionRefused naming the field (see prediction.errors.ts).
 */

/** One prediction as sent. Field meanings and ranges: docs/predictions-api.md, "Request". */
export interface PredictionInput {
  /** The model; must be the model the key belongs to. 1–64 characters, no spaces. */
  readonly modelId: string;
  /** The idempotency key: resending the same id with the same content is answered, not recorded, again. */
  readonly predictionId: string;
  /** A venue symbol (`BTC/USDT:USDT`) or a CME root (`CME:ES`). */
  readonly instrument: string;
  /** RFC 3339 with a zone, e.g. `2026-12-03T18:00:00Z`: when the model made the prediction. */
  readonly asOf: string;
  /** Integer seconds ≥ 1: how far ahead it looks. */
  readonly horizon: number;
  /** `signal`: a view in [-1, 1]; `weight`: a target share of equity in [-10, 10]. */
  readonly kind: 'signal' | 'weight';
  readonly value: number;
  /** In [0, 1]; optional. */
  readonly confidence?: number;
  /** Integer seconds ≥ 1; void after `asOf + ttl`. The server's default is `horizon`. */
  readonly ttl?: number;
}

/** The server's answer for one accepted prediction (201). */
export interface Accepted {
  readonly predictionId: string;
  /** The id of the `PredictionReceived` event it was recorded as. */
  readonly eventId: string;
  /** When the server first received it (ISO-8601); a replay answers the first time again. */
  readonly receivedAt: string;
}

/**
 * An accepted prediction and whether the answer was a replay: `replayed` is the response's
 * `Idempotent-Replayed: true` header, i.e. the server had already recorded this content under
 * this id and recorded nothing now. For a batch the header belongs to the whole response, so
 * every element of a batch answer carries the same flag.
 */
export interface Sent extends Accepted {
  readonly replayed: boolean;
}

/** One entry of a refusal's `details`: the offending field by JSON path, the value sent, why. */
export interface RefusalDetail {
  readonly path: string;
  readonly value?: unknown;
  readonly message: string;
}
