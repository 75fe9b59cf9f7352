/**
 * One prediction's stream, `prediction-<eventId>`: empty until the prediction is recorded,
 * then its single `PredictionReceived`. The event id derives from `(modelId, predictionId)`,
 * the idempotency key, so the stream is the key's memory: it outlives any cache and any
 * restart, and a second writer racing on the same key is fenced by the store (the append
 * expects no stream).
 *
 * Deciding on it is the idempotency rule: nothing recorded → record it; the same content
 * recorded → record nothing and answer what was answered the first time; other content →
 * refuse, naming the key.
 */
import * as E from 'fp-ts/Either';
import { decodeEvent, deriveId, KeelError, RecordedEvent, validationError } from '@keel/events';
import { Admitted, Refusal, refusal, sameContent } from './admission';

/** What was recorded for a key, and when it arrived. */
export interface RecordedPrediction {
  readonly eventId: string;
  readonly prediction: Admitted;
  /** Epoch ms: the event's `occurredAt`. */
  readonly receivedAt: number;
}

export type PredictionRecord = RecordedPrediction | null;

/** What the intake answers for one accepted prediction, the first time and on every replay. */
export interface Accepted {
  readonly predictionId: string;
  readonly eventId: string;
  readonly receivedAt: string;
}

export const predictionEventId = (modelId: string, predictionId: string): string =>
  deriveId('PredictionReceived', modelId, predictionId);

export const predictionStream = (eventId: string): string => `prediction-${eventId}`;

export const acceptedOf = (r: RecordedPrediction): Accepted => ({
  predictionId: r.prediction.predictionId,
  eventId: r.eventId,
  receivedAt: new Date(r.receivedAt).toISOString(),
});

/** Folds the stream's event (any stored version: upcast on read). */
export const evolveRecord = (
  _: PredictionRecord,
  e: RecordedEvent,
): E.Either<KeelError, PredictionRecord> => {
  if (e.type !== 'PredictionReceived')
    return E.left(validationError('/type', e.type, `is not an event of a prediction stream (${e.stream})`));
  const d = decodeEvent({ type: 'PredictionReceived' as const, data: e.data, occurredAt: e.occurredAt });
  if (E.isLeft(d)) return d;
  const p = d.right;
  return E.right({
    eventId: e.eventId,
    receivedAt: p.occurredAt,
    prediction: {
      modelId: p.modelId,
      predictionId: p.predictionId,
      instrument: p.instrument,
      kind: p.kind,
      value: p.value,
      confidence: p.confidence,
      // Older versions had no ttl and a nullable horizon: they compare unequal to any new
      // submission, which is right (a different prediction under a reused id).
      horizonSec: p.horizonSec ?? -1,
      ttlSec: p.ttlSec ?? -1,
      generatedAt: p.generatedAt,
    },
  });
};

export type RecordDecision =
  | { readonly _tag: 'record'; readonly recorded: RecordedPrediction }
  | { readonly _tag: 'replay'; readonly recorded: RecordedPrediction };

/** The idempotency rule (module header). */
export const decideRecord = (
  state: PredictionRecord,
  prediction: Admitted,
  receivedAt: number,
  eventId: string = predictionEventId(prediction.modelId, prediction.predictionId),
): E.Either<Refusal, RecordDecision> => {
  if (state === null) return E.right({ _tag: 'record', recorded: { eventId, prediction, receivedAt } });
  if (sameContent(state.prediction, prediction)) return E.right({ _tag: 'replay', recorded: state });
  return E.left(conflict(prediction));
};

export const conflict = (p: Admitted, at = ''): Refusal =>
  refusal(
    'idempotency_conflict',
    `prediction ${p.predictionId} of model ${p.modelId} was recorded with other content`,
    [
      {
        path: `${at}/predictionId`,
        value: p.predictionId,
        message: `(modelId ${p.modelId}, predictionId ${p.predictionId}) is already recorded with other content; use a new predictionId`,
      },
    ],
  );
