/**
 * What a model sends (docs/predictions-api.md): one prediction, or a batch of up to 1,000.
 * The schema is built from the event catalog's `PredictionReceived`: the fields a model and the
 * log share are the catalog's own schemas, so the API and the contract cannot drift apart; the
 * API adds only what is the model's vocabulary (`asOf`, `horizon`, `ttl` in seconds).
 *
 * `readSubmission` checks a parsed body against it and reports every problem by its JSON path
 * in the request body and the value sent (never more than `MAX_DETAILS`).
 */
import { Static, TSchema, Type } from '@sinclair/typebox';
import { TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';
import * as E from 'fp-ts/Either';
import { EVENT_DEFINITIONS } from '@keel/events';

/** Predictions per request, at most. */
export const MAX_BATCH = 1000;
/** The longest horizon or ttl accepted: a year. */
export const MAX_SECONDS = 366 * 24 * 3600;
/** Field problems listed in one refusal, at most (a 1,000-item batch could list thousands). */
export const MAX_DETAILS = 20;

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$';

const event = EVENT_DEFINITIONS.PredictionReceived.schema.properties;

export const PredictionSubmission = Type.Object(
  {
    modelId: event.modelId,
    predictionId: Type.String({
      ...event.predictionId,
      description: 'The idempotency key: unique per model.',
    }),
    instrument: Type.String({
      ...event.instrument,
      description: 'A venue symbol (`BTC/USDT:USDT`) or a CME root (`CME:ES`).',
    }),
    asOf: Type.String({
      pattern: RFC3339,
      description: 'When the model made the prediction: RFC 3339 with a zone.',
    }),
    horizon: Type.Integer({ minimum: 1, maximum: MAX_SECONDS, description: 'Seconds it looks ahead.' }),
    kind: event.kind,
    value: Type.Number({
      description: 'A signal in [-1, 1], or a weight (share of equity) in [-10, 10].',
    }),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    ttl: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_SECONDS,
        description: 'Seconds after `asOf` at which it is void; default `horizon`.',
      }),
    ),
  },
  { additionalProperties: false, $id: 'Prediction' },
);
export type PredictionSubmission = Static<typeof PredictionSubmission>;

export const PredictionBatch = Type.Object(
  { predictions: Type.Array(PredictionSubmission, { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false, $id: 'PredictionBatch' },
);

export const SIGNAL_RANGE = 1;
export const WEIGHT_RANGE = 10;

/** One problem with a request, where it is in the body and what was sent. */
export interface FieldProblem {
  readonly path: string;
  readonly value: unknown;
  readonly message: string;
}

/** A body read as predictions, each with the JSON path prefix it came from. */
export interface ReadSubmission {
  readonly batch: boolean;
  readonly items: readonly { readonly at: string; readonly prediction: PredictionSubmission }[];
}

const singleCheck = TypeCompiler.Compile(PredictionSubmission);
const batchCheck = TypeCompiler.Compile(PredictionBatch);

/** Values shown in a refusal are cut short: an echo must not be the body again. */
const shown = (v: unknown): unknown => {
  if (typeof v === 'string') return v.length > 200 ? `${v.slice(0, 200)}…` : v;
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (v !== null && typeof v === 'object') return 'object';
  return v;
};

const messageOf = (type: ValueErrorType, schema: TSchema, fallback: string): string => {
  const s = schema as Record<string, unknown>;
  if (type === ValueErrorType.ObjectRequiredProperty) return 'is required';
  if (type === ValueErrorType.ObjectAdditionalProperties) return 'is not a field of a prediction';
  if (type === ValueErrorType.Union)
    return `must be one of ${JSON.stringify(((s['anyOf'] as TSchema[]) ?? []).map((m) => m['const']))}`;
  if (type === ValueErrorType.StringPattern)
    return s['pattern'] === RFC3339
      ? 'must be an RFC 3339 timestamp with a zone, such as 2026-12-03T18:00:00Z'
      : 'must be non-empty without whitespace';
  if (type === ValueErrorType.ArrayMaxItems) return `must hold at most ${MAX_BATCH} predictions`;
  if (type === ValueErrorType.ArrayMinItems) return 'must hold at least one prediction';
  return fallback.replace(/^Expected/, 'must be');
};

const problems = (check: TypeCheck<TSchema>, body: unknown): FieldProblem[] => {
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const e of check.Errors(body)) {
    // A union's members each report; the union's own error is the readable one.
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    // A missing field reports twice (required, then the field's type): keep the first.
    out.push({ path: e.path, value: shown(e.value), message: messageOf(e.type, e.schema, e.message) });
    if (out.length >= MAX_DETAILS) break;
  }
  return out;
};

/**
 * Reads a parsed JSON body: a prediction, or `{ predictions: [...] }`. Left: every field
 * that breaks the schema (up to `MAX_DETAILS`), by path.
 */
export const readSubmission = (body: unknown): E.Either<readonly FieldProblem[], ReadSubmission> => {
  const isBatch = body !== null && typeof body === 'object' && !Array.isArray(body) && 'predictions' in body;
  if (isBatch) {
    if (!batchCheck.Check(body)) return E.left(problems(batchCheck, body));
    const items = (body as { predictions: PredictionSubmission[] }).predictions.map((prediction, i) => ({
      at: `/predictions/${i}`,
      prediction,
    }));
    return E.right({ batch: true, items });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return E.left([
      {
        path: '',
        value: shown(body),
        message: 'must be a prediction object, or { "predictions": [ ... ] }',
      },
    ]);
  if (!singleCheck.Check(body)) return E.left(problems(singleCheck, body));
  return E.right({ batch: false, items: [{ at: '', prediction: body as PredictionSubmission }] });
};
