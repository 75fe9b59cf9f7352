/**
 * Admission: whether a schema-valid prediction may be recorded, and what is recorded. Pure:
 * the clock's reading, the key's model and the instrument universe come in as data.
 *
 * Refusals are typed by code; each code has one HTTP status (docs/predictions-api.md), which
 * the NATS reply carries too. Where a batch breaks several rules, the refusal is the first
 * class in this order (the one a model must fix first): invalid, forbidden model, unknown
 * instrument, stale, from the future; each lists every prediction of the batch that breaks it.
 */
import * as E from 'fp-ts/Either';
import { EventData } from '@keel/events';
import { markArrival } from '@keel/calendar';
import { FieldProblem, MAX_DETAILS, PredictionSubmission, SIGNAL_RANGE, WEIGHT_RANGE } from './submission';

export const REFUSAL_STATUS = {
  malformed_json: 400,
  invalid_prediction: 400,
  unauthenticated: 401,
  forbidden_model: 403,
  not_found: 404,
  method_not_allowed: 405,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unknown_instrument: 422,
  stale_prediction: 422,
  prediction_from_future: 422,
  rate_limited: 429,
  unavailable: 503,
} as const;
export type RefusalCode = keyof typeof REFUSAL_STATUS;

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
  readonly details: readonly FieldProblem[];
}

export const refusal = (
  code: RefusalCode,
  message: string,
  details: readonly FieldProblem[] = [],
): Refusal => ({
  code,
  message,
  details: details.slice(0, MAX_DETAILS),
});

/** A prediction as Keel records it: the model's values, normalised (times in epoch ms). */
export interface Admitted {
  readonly modelId: string;
  readonly predictionId: string;
  readonly instrument: string;
  readonly kind: 'signal' | 'weight';
  readonly value: number;
  readonly confidence: number | null;
  readonly horizonSec: number;
  /** The model's ttl, or its horizon when it sent none. */
  readonly ttlSec: number;
  /** The model's `asOf`. */
  readonly generatedAt: number;
}

export interface AdmissionContext {
  /** Keel's clock, epoch ms. */
  readonly now: number;
  /** The model the request's key belongs to. */
  readonly modelId: string;
  readonly knownInstrument: (instrument: string) => boolean;
  /** How far ahead of Keel's clock an `asOf` may be (clock skew between hosts). */
  readonly futureSkewMs: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/;
const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/**
 * An RFC 3339 timestamp as epoch ms, or null when it names no real instant (February 30th,
 * hour 24, offset +25:00). Sub-millisecond digits are dropped.
 */
export const parseRfc3339 = (text: string): number | null => {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const offsetMin = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (m[8] !== 'Z' && (Number(m[10]) > 23 || Number(m[11]) > 59)) return null;
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000 + 1e-9) : 0;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
};

const iso = (t: number): string => new Date(t).toISOString();

/** A rule on one prediction; `asOf` is its `asOf` parsed once for all rules (null: not an instant). */
type Check = (
  p: PredictionSubmission,
  at: string,
  ctx: AdmissionContext,
  asOf: number | null,
) => FieldProblem | null;

type Rule = { readonly code: RefusalCode; readonly what: string; readonly check: Check };

/** The rules on content after the schema, in the order a model must fix them (module header). */
const CONTENT_RULES: readonly Rule[] = [
  {
    code: 'invalid_prediction',
    what: 'invalid',
    check: (p, at, _ctx, asOf) => {
      if (asOf === null) return { path: `${at}/asOf`, value: p.asOf, message: 'is not a real instant' };
      const range = p.kind === 'signal' ? SIGNAL_RANGE : WEIGHT_RANGE;
      if (Math.abs(p.value) > range)
        return {
          path: `${at}/value`,
          value: p.value,
          message: `a ${p.kind} must be in [-${range}, ${range}]`,
        };
      return null;
    },
  },
  {
    code: 'forbidden_model',
    what: 'for another model than the key’s',
    check: (p, at, ctx) =>
      p.modelId === ctx.modelId
        ? null
        : { path: `${at}/modelId`, value: p.modelId, message: 'is not the model this key belongs to' },
  },
  {
    code: 'unknown_instrument',
    what: 'for an instrument Keel does not trade',
    check: (p, at, ctx) =>
      ctx.knownInstrument(p.instrument)
        ? null
        : { path: `${at}/instrument`, value: p.instrument, message: 'is not an instrument Keel trades' },
  },
];

/**
 * The rules on time. They apply to predictions not yet recorded only: a retry of a recorded
 * prediction is answered as the first time even once it has expired, so a model that lost the
 * first answer learns it was recorded.
 */
const TIME_RULES: readonly Rule[] = [
  {
    code: 'stale_prediction',
    what: 'expired',
    // The time rules run on predictions the content rules admitted: `asOf` is an instant.
    check: (p, at, ctx, asOf) => {
      const expiresAt = (asOf as number) + (p.ttl ?? p.horizon) * 1000;
      return expiresAt > ctx.now
        ? null
        : {
            path: `${at}/asOf`,
            value: p.asOf,
            message: `expired at ${iso(expiresAt)} (asOf + ${p.ttl === undefined ? 'horizon' : 'ttl'}); Keel's clock reads ${iso(ctx.now)}`,
          };
    },
  },
  {
    code: 'prediction_from_future',
    what: 'from the future',
    check: (p, at, ctx, asOf) => {
      return (asOf as number) <= ctx.now + ctx.futureSkewMs
        ? null
        : {
            path: `${at}/asOf`,
            value: p.asOf,
            message: `is more than ${ctx.futureSkewMs / 1000} s ahead of Keel's clock (${iso(ctx.now)})`,
          };
    },
  },
];

type Items = readonly { readonly at: string; readonly prediction: PredictionSubmission }[];

/** Left: the first rule broken (in order) and every prediction that breaks it. */
const asOfsOf = (items: Items): (number | null)[] =>
  items.map(({ prediction }) => parseRfc3339(prediction.asOf));

const firstBroken = (
  rules: readonly Rule[],
  items: Items,
  ctx: AdmissionContext,
  asOfs: readonly (number | null)[] = asOfsOf(items),
): Refusal | null => {
  for (const rule of rules) {
    const broken = items.flatMap(({ at, prediction }, i) => rule.check(prediction, at, ctx, asOfs[i]!) ?? []);
    if (broken.length > 0) {
      const n = broken.length;
      return refusal(rule.code, `${n} prediction${n === 1 ? ' is' : 's are'} ${rule.what}`, broken);
    }
  }
  return null;
};

/** Whether predictions not yet recorded are still timely: unexpired and not from the future. */
export const checkTimely = (items: Items, ctx: AdmissionContext): E.Either<Refusal, void> => {
  const broken = firstBroken(TIME_RULES, items, ctx);
  return broken ? E.left(broken) : E.right(undefined);
};

/**
 * Admits every prediction of a request or none, on content (the time rules are `checkTimely`'s,
 * once it is known which predictions are new).
 */
export const admit = (items: Items, ctx: AdmissionContext): E.Either<Refusal, readonly Admitted[]> => {
  const asOfs = asOfsOf(items);
  const broken = firstBroken(CONTENT_RULES, items, ctx, asOfs);
  if (broken) return E.left(broken);
  return E.right(
    items.map(({ prediction: p }, i) => ({
      modelId: p.modelId,
      predictionId: p.predictionId,
      instrument: p.instrument,
      kind: p.kind,
      value: p.value,
      confidence: p.confidence ?? null,
      horizonSec: p.horizon,
      ttlSec: p.ttl ?? p.horizon,
      generatedAt: asOfs[i] as number,
    })),
  );
};

/** Whether two admitted predictions say the same thing (a retry, not a different prediction). */
export const sameContent = (a: Admitted, b: Admitted): boolean =>
  a.modelId === b.modelId &&
  a.predictionId === b.predictionId &&
  a.instrument === b.instrument &&
  a.kind === b.kind &&
  a.value === b.value &&
  a.confidence === b.confidence &&
  a.horizonSec === b.horizonSec &&
  a.ttlSec === b.ttlSec &&
  a.generatedAt === b.generatedAt;

/**
 * The `PredictionReceived` payload (JSON form) of a prediction received at `receivedAt`,
 * with the market marking for an instrument that has exchange hours.
 */
export const receivedData = (
  p: Admitted,
  receivedAt: number,
): E.Either<Refusal, EventData<'PredictionReceived'>> => {
  const market = markArrival(p.instrument, receivedAt);
  if (E.isLeft(market))
    return E.left(
      refusal('unknown_instrument', `${p.instrument} has no calendar at ${iso(receivedAt)}`, [
        { path: '/instrument', value: p.instrument, message: market.left.message },
      ]),
    );
  return E.right({
    predictionId: p.predictionId,
    modelId: p.modelId,
    instrument: p.instrument,
    kind: p.kind,
    value: p.value,
    confidence: p.confidence,
    horizonSec: p.horizonSec,
    ttlSec: p.ttlSec,
    generatedAt: iso(p.generatedAt),
    market: market.right,
  });
};
