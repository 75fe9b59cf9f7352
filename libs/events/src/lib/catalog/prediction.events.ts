/** Predictions models send in (prediction-ingest). */
import { Type } from '@sinclair/typebox';
import { define, Instrument } from './define';
import { Id, Nullable, Timestamp } from '../schema';

/** What a prediction's value means (docs/predictions-api.md). */
export const PredictionKind = Type.Union([Type.Literal('signal'), Type.Literal('weight')]);

export const PREDICTION_EVENTS = {
  PredictionReceived: define({
    type: 'PredictionReceived',
    context: 'prediction',
    owner: 'prediction-ingest',
    version: 5,
    description:
      "A model published a prediction for an instrument (docs/predictions-api.md). The envelope's `occurredAt` is when prediction-ingest received it. For an instrument with an exchange calendar (CME roots, `CME:<ROOT>`), `market` says whether it came while that market was closed and from when it applies (the next open): cme-rollover holds what follows from it until then (docs/cme.md).",
    schema: Type.Object(
      {
        predictionId: Id(),
        modelId: Id(64),
        instrument: Instrument,
        /**
         * `signal`: a view in [-1, 1]; `weight`: a target share of the account's equity (signed).
         * Older versions carried signals only.
         */
        kind: PredictionKind,
        /** The signal or the weight; a statistic, so a float is fine. */
        value: Type.Number(),
        /** How much the model trusts it, in [0, 1]; null when it did not say. */
        confidence: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
        /** How far ahead the prediction looks, in seconds; null when the model does not say. */
        horizonSec: Nullable(Type.Integer({ minimum: 0 })),
        generatedAt: Timestamp(),
        /**
         * Seconds after `generatedAt` at which the prediction is void: the model's `ttl`, or its
         * horizon when it sent none. Null: no expiry known (v4 and older).
         */
        ttlSec: Nullable(Type.Integer({ minimum: 1 })),
        /**
         * Null or absent when the instrument trades around the clock (crypto) or the writer did
         * not know (v2 and older are upcast to null). Optional so writers of 24/7 instruments need
         * not say.
         */
        market: Type.Optional(
          Nullable(
            Type.Object(
              {
                state: Type.Union([
                  Type.Literal('open'),
                  Type.Literal('dailyHalt'),
                  Type.Literal('weekend'),
                  Type.Literal('holiday'),
                  Type.Literal('earlyClose'),
                ]),
                receivedWhileClosed: Type.Boolean(),
                receivedAt: Timestamp(),
                /** When it may be acted on: `receivedAt` if open, else the next open. */
                effectiveAt: Timestamp(),
              },
              { additionalProperties: false },
            ),
          ),
        ),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 called the signal `signal` and its time `asOf`, and had no horizon.
      1: ({ signal, asOf, ...rest }) => ({ ...rest, value: signal, generatedAt: asOf, horizonSec: null }),
      // v2 had no market marking: unknown when it was stored.
      2: (data) => ({ ...data, market: null }),
      // v3 called the instrument `symbol`.
      3: ({ symbol, ...rest }) => ({ ...rest, instrument: symbol }),
      // v4 had signals only, no confidence and no expiry.
      4: (data) => ({ ...data, kind: 'signal', confidence: null, ttlSec: null }),
    },
  }),
} as const;
