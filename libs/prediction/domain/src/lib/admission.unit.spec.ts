/**
 * Admission, the pure part of the intake: RFC 3339 read to the millisecond (and only real
 * instants), the content rules in the order a model must fix them, the time rules on Keel's
 * clock, and every offending prediction of a batch named by its JSON path. Then the
 * idempotency rule on a prediction's stream (prediction.record.ts): record once, replay the
 * same content, refuse other content under the same key.
 */
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { EventData, RecordedEvent } from '@keel/events';
import {
  Admitted,
  AdmissionContext,
  admit,
  checkTimely,
  parseRfc3339,
  receivedData,
  Refusal,
  REFUSAL_STATUS,
  sameContent,
} from './admission';
import { MAX_DETAILS, PredictionSubmission } from './submission';
import {
  decideRecord,
  evolveRecord,
  predictionEventId,
  predictionStream,
  RecordedPrediction,
} from './prediction.record';

const NOW = Date.parse('2026-03-02T12:00:00.000Z');
const SKEW_MS = 5000;
const KNOWN = new Set(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'CME:ES']);

const ctx: AdmissionContext = {
  now: NOW,
  modelId: 'model-a',
  knownInstrument: (i) => KNOWN.has(i),
  futureSkewMs: SKEW_MS,
};

const iso = (t: number): string => new Date(t).toISOString();

const prediction = (over: Partial<PredictionSubmission> = {}): PredictionSubmission => ({
  modelId: 'model-a',
  predictionId: 'p-1',
  instrument: 'BTC/USDT:USDT',
  asOf: iso(NOW - 60_000),
  horizon: 3600,
  kind: 'signal',
  value: 0.25,
  ...over,
});

type Items = Parameters<typeof admit>[0];
const single = (p: PredictionSubmission): Items => [{ at: '', prediction: p }];
const batch = (...ps: PredictionSubmission[]): Items =>
  ps.map((p, i) => ({
    at: `/predictions/${i}`,
    prediction: { ...p, predictionId: p.predictionId + `-${i}` },
  }));

const refused = <A>(r: E.Either<Refusal, A>): Refusal => {
  if (E.isRight(r)) throw new Error(`expected a refusal, got ${JSON.stringify(r.right)}`);
  return r.left;
};
const paths = (r: Refusal): string[] => r.details.map((d) => d.path);

describe('parseRfc3339', () => {
  it('reads a UTC (Z) timestamp as its epoch ms', () => {
    expect(parseRfc3339('2026-03-01T12:00:00Z')).toBe(Date.UTC(2026, 2, 1, 12, 0, 0));
    expect(parseRfc3339('1970-01-01T00:00:00Z')).toBe(0);
  });

  it('applies a positive or negative offset: local time minus the offset is UTC', () => {
    const noonUtc = Date.UTC(2026, 2, 1, 12, 0, 0);
    expect(parseRfc3339('2026-03-01T17:30:00+05:30')).toBe(noonUtc);
    expect(parseRfc3339('2026-03-01T04:00:00-08:00')).toBe(noonUtc);
    expect(parseRfc3339('2026-03-01T12:00:00+00:00')).toBe(noonUtc);
    expect(parseRfc3339('2026-03-01T12:00:00-00:00')).toBe(noonUtc);
    // An offset can move the instant across a day (and a year) boundary.
    expect(parseRfc3339('2026-01-01T02:00:00+05:00')).toBe(Date.UTC(2025, 11, 31, 21, 0, 0));
  });

  it.each([
    ['.1', 100],
    ['.12', 120],
    ['.123', 123],
    ['.1239', 123],
    ['.12399', 123],
    ['.999999', 999],
    ['.0009999', 0],
    ['.001', 1],
    ['.009', 9],
    ['.123456789', 123],
    ['.999999999', 999],
  ])('keeps the whole milliseconds of fractional seconds %s (%i ms), dropping the rest', (frac, ms) => {
    expect(parseRfc3339(`2026-03-01T12:00:00${frac}Z`)).toBe(Date.UTC(2026, 2, 1, 12, 0, 0) + ms);
  });

  it('truncates any 1–9 digit fraction to the milliseconds its first three digits name', () => {
    const base = Date.UTC(2026, 2, 1, 12, 0, 0);
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,9}$/), (digits) => {
        const expected = Number(digits.padEnd(3, '0').slice(0, 3));
        expect(parseRfc3339(`2026-03-01T12:00:00.${digits}Z`)).toBe(base + expected);
      }),
    );
  });

  it('accepts the leap day of a leap year', () => {
    expect(parseRfc3339('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseRfc3339('2000-02-29T23:59:59Z')).toBe(Date.UTC(2000, 1, 29, 23, 59, 59));
  });

  it.each([
    ['February 29th of a common year', '2026-02-29T00:00:00Z'],
    ['February 29th of a century that is not a leap year', '2100-02-29T00:00:00Z'],
    ['February 30th of a leap year', '2024-02-30T00:00:00Z'],
    ['April 31st', '2026-04-31T00:00:00Z'],
    ['day 0', '2026-03-00T00:00:00Z'],
    ['month 0', '2026-00-10T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['hour 24', '2026-03-01T24:00:00Z'],
    ['minute 60', '2026-03-01T12:60:00Z'],
    ['second 60 (leap seconds are not instants here)', '2026-03-01T12:00:60Z'],
    ['offset hour 24', '2026-03-01T12:00:00+24:00'],
    ['offset minute 60', '2026-03-01T12:00:00+05:60'],
  ])('refuses %s as no real instant (null)', (_, text) => {
    expect(parseRfc3339(text)).toBeNull();
  });

  it.each([
    ['no zone', '2026-03-01T12:00:00'],
    ['no zone, with a fraction', '2026-03-01T12:00:00.123'],
    ['a space for the T', '2026-03-01 12:00:00Z'],
    ['a date only', '2026-03-01'],
    ['a compact offset', '2026-03-01T12:00:00+0530'],
    ['ten fraction digits', '2026-03-01T12:00:00.1234567890Z'],
    ['an empty fraction', '2026-03-01T12:00:00.Z'],
    ['trailing text', '2026-03-01T12:00:00Z '],
    ['a two-digit year', '26-03-01T12:00:00Z'],
    ['nothing', ''],
  ])('refuses a text that is not RFC 3339 with a zone (%s)', (_, text) => {
    expect(parseRfc3339(text)).toBeNull();
  });

  it('reads back every millisecond of 2000–2099 written as an ISO string', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) - 1 }), (ms) => {
        expect(parseRfc3339(new Date(ms).toISOString())).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the same instant whatever offset it is written in', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 2), max: Date.UTC(2099, 11, 30) }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (ms, offsetMin) => {
          const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
          const a = Math.abs(offsetMin);
          const zone = `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
          expect(parseRfc3339(`${local}${zone}`)).toBe(ms);
        },
      ),
    );
  });
});

describe('admit', () => {
  it('admits a valid prediction, normalised: times in epoch ms, ttl defaulting to the horizon, confidence null when unsaid', () => {
    const asOf = '2026-03-02T17:29:00.250+05:30';
    const r = admit(single(prediction({ asOf, horizon: 900 })), ctx);
    expect(r).toEqual(
      E.right([
        {
          modelId: 'model-a',
          predictionId: 'p-1',
          instrument: 'BTC/USDT:USDT',
          kind: 'signal',
          value: 0.25,
          confidence: null,
          horizonSec: 900,
          ttlSec: 900,
          generatedAt: Date.UTC(2026, 2, 2, 11, 59, 0, 250),
        },
      ]),
    );
  });

  it('keeps the ttl and the confidence the model sent', () => {
    const r = admit(single(prediction({ ttl: 60, confidence: 0.8, kind: 'weight', value: -7.5 })), ctx);
    expect(E.isRight(r) && r.right[0]).toMatchObject({
      ttlSec: 60,
      horizonSec: 3600,
      confidence: 0.8,
      kind: 'weight',
      value: -7.5,
    });
  });

  it('admits a batch whole, in the order sent', () => {
    const r = admit(batch(prediction(), prediction({ instrument: 'CME:ES' }), prediction()), ctx);
    expect(E.isRight(r) && r.right.map((a) => `${a.predictionId} ${a.instrument}`)).toEqual([
      'p-1-0 BTC/USDT:USDT',
      'p-1-1 CME:ES',
      'p-1-2 BTC/USDT:USDT',
    ]);
  });

  it('admits values on the edges of their range and refuses just past them', () => {
    for (const [kind, edge] of [
      ['signal', 1],
      ['weight', 10],
    ] as const) {
      expect(E.isRight(admit(single(prediction({ kind, value: edge })), ctx))).toBe(true);
      expect(E.isRight(admit(single(prediction({ kind, value: -edge })), ctx))).toBe(true);
      const over = refused(admit(single(prediction({ kind, value: edge + 1e-9 })), ctx));
      expect(over.code).toBe('invalid_prediction');
      expect(over.details).toEqual([
        { path: '/value', value: edge + 1e-9, message: `a ${kind} must be in [-${edge}, ${edge}]` },
      ]);
    }
  });

  it('refuses an asOf the schema lets through but no calendar has (February 30th)', () => {
    const r = refused(admit(single(prediction({ asOf: '2026-02-30T00:00:00Z' })), ctx));
    expect(r).toEqual({
      code: 'invalid_prediction',
      message: '1 prediction is invalid',
      details: [{ path: '/asOf', value: '2026-02-30T00:00:00Z', message: 'is not a real instant' }],
    });
  });

  it('refuses a prediction for another model than the key’s with forbidden_model (403)', () => {
    const r = refused(admit(single(prediction({ modelId: 'model-b' })), ctx));
    expect(r.code).toBe('forbidden_model');
    expect(REFUSAL_STATUS[r.code]).toBe(403);
    expect(r.details).toEqual([
      { path: '/modelId', value: 'model-b', message: 'is not the model this key belongs to' },
    ]);
  });

  it('refuses an instrument Keel does not trade with unknown_instrument (422)', () => {
    const r = refused(admit(single(prediction({ instrument: 'DOGE/USDT:USDT' })), ctx));
    expect(r.code).toBe('unknown_instrument');
    expect(REFUSAL_STATUS[r.code]).toBe(422);
    expect(r.details).toEqual([
      { path: '/instrument', value: 'DOGE/USDT:USDT', message: 'is not an instrument Keel trades' },
    ]);
  });

  it('reports the first rule broken in order: invalid before forbidden_model before unknown_instrument', () => {
    const invalid = prediction({ value: 2 });
    const otherModel = prediction({ modelId: 'model-b' });
    const unknown = prediction({ instrument: 'DOGE/USDT:USDT' });
    // Listed last in the batch, each still wins over the rules after it.
    expect(refused(admit(batch(unknown, otherModel, invalid), ctx))).toMatchObject({
      code: 'invalid_prediction',
      details: [{ path: '/predictions/2/value' }],
    });
    expect(refused(admit(batch(unknown, otherModel), ctx))).toMatchObject({
      code: 'forbidden_model',
      details: [{ path: '/predictions/1/modelId' }],
    });
    expect(refused(admit(batch(prediction(), unknown), ctx))).toMatchObject({
      code: 'unknown_instrument',
      details: [{ path: '/predictions/1/instrument' }],
    });
  });

  it('lists every prediction that breaks the rule, each by its path, and counts them in the message', () => {
    const r = refused(
      admit(
        batch(
          prediction({ modelId: 'model-b' }),
          prediction(),
          prediction({ modelId: 'model-c' }),
          prediction({ modelId: 'model-b', instrument: 'DOGE/USDT:USDT' }),
        ),
        ctx,
      ),
    );
    expect(r.code).toBe('forbidden_model');
    expect(r.message).toBe('3 predictions are for another model than the key’s');
    expect(r.details.map((d) => [d.path, d.value])).toEqual([
      ['/predictions/0/modelId', 'model-b'],
      ['/predictions/2/modelId', 'model-c'],
      ['/predictions/3/modelId', 'model-b'],
    ]);
  });

  it('names at most MAX_DETAILS predictions in a refusal, but counts them all', () => {
    const many = batch(...Array.from({ length: MAX_DETAILS + 15 }, () => prediction({ value: 5 })));
    const r = refused(admit(many, ctx));
    expect(r.message).toBe(`${MAX_DETAILS + 15} predictions are invalid`);
    expect(r.details).toHaveLength(MAX_DETAILS);
    expect(paths(r)).toEqual(Array.from({ length: MAX_DETAILS }, (_, i) => `/predictions/${i}/value`));
  });

  it('does not judge time: an expired or future prediction is admitted on content', () => {
    expect(E.isRight(admit(single(prediction({ asOf: iso(NOW - 365 * 86_400_000) })), ctx))).toBe(true);
    expect(E.isRight(admit(single(prediction({ asOf: iso(NOW + 86_400_000) })), ctx))).toBe(true);
  });
});

describe('checkTimely', () => {
  const timely = (p: PredictionSubmission, c: AdmissionContext = ctx) => checkTimely(single(p), c);

  it('passes a prediction that has not expired and is not ahead of the clock', () => {
    expect(timely(prediction())).toEqual(E.right(undefined));
  });

  it('treats a prediction as expired once asOf + horizon is at or before now', () => {
    const horizon = 600;
    const atNow = prediction({ horizon, asOf: iso(NOW - horizon * 1000) });
    const r = refused(timely(atNow));
    expect(r.code).toBe('stale_prediction');
    expect(r.details).toEqual([
      {
        path: '/asOf',
        value: atNow.asOf,
        message: `expired at ${iso(NOW)} (asOf + horizon); Keel's clock reads ${iso(NOW)}`,
      },
    ]);
    expect(E.isRight(timely(prediction({ horizon, asOf: iso(NOW - horizon * 1000 + 1) })))).toBe(true);
    expect(E.isLeft(timely(prediction({ horizon, asOf: iso(NOW - horizon * 1000 - 1) })))).toBe(true);
  });

  it('uses the ttl instead of the horizon when the model sent one, and says so', () => {
    const shortTtl = prediction({ horizon: 3600, ttl: 30, asOf: iso(NOW - 30_000) });
    const r = refused(timely(shortTtl));
    expect(r.code).toBe('stale_prediction');
    expect(r.details[0]?.message).toContain('(asOf + ttl)');
    // A ttl longer than the horizon keeps it alive past the horizon.
    expect(E.isRight(timely(prediction({ horizon: 60, ttl: 600, asOf: iso(NOW - 120_000) })))).toBe(true);
  });

  it('accepts an asOf up to the allowed skew ahead of the clock and refuses one 1 ms further', () => {
    expect(E.isRight(timely(prediction({ asOf: iso(NOW + SKEW_MS) })))).toBe(true);
    const ahead = prediction({ asOf: iso(NOW + SKEW_MS + 1) });
    const r = refused(timely(ahead));
    expect(r.code).toBe('prediction_from_future');
    expect(REFUSAL_STATUS[r.code]).toBe(422);
    expect(r.details).toEqual([
      { path: '/asOf', value: ahead.asOf, message: `is more than 5 s ahead of Keel's clock (${iso(NOW)})` },
    ]);
  });

  it('with no skew allowed, accepts asOf exactly now and refuses 1 ms later', () => {
    const strict = { ...ctx, futureSkewMs: 0 };
    expect(E.isRight(timely(prediction({ asOf: iso(NOW) }), strict))).toBe(true);
    expect(refused(timely(prediction({ asOf: iso(NOW + 1) }), strict)).code).toBe('prediction_from_future');
  });

  it('reads the asOf offset before judging: +05:30 local is 5½ hours earlier in UTC', () => {
    // 17:30+05:30 is 12:00Z = now: not from the future, though its local clock reads ahead.
    expect(E.isRight(timely(prediction({ asOf: '2026-03-02T17:30:00+05:30' })))).toBe(true);
    // 12:00-08:00 is 20:00Z: eight hours ahead.
    expect(refused(timely(prediction({ asOf: '2026-03-02T12:00:00-08:00' }))).code).toBe(
      'prediction_from_future',
    );
  });

  it('reports stale before from the future, listing every stale prediction of the batch', () => {
    const items = batch(
      prediction({ asOf: iso(NOW + 3_600_000) }),
      prediction({ asOf: iso(NOW - 7_200_000) }),
      prediction(),
      prediction({ horizon: 60, asOf: iso(NOW - 60_000) }),
    );
    const r = refused(checkTimely(items, ctx));
    expect(r.code).toBe('stale_prediction');
    expect(r.message).toBe('2 predictions are expired');
    expect(paths(r)).toEqual(['/predictions/1/asOf', '/predictions/3/asOf']);
    // Without the stale ones, the future one is reported.
    const rest = refused(
      checkTimely(
        items.filter((_, i) => i % 2 === 0),
        ctx,
      ),
    );
    expect(rest.code).toBe('prediction_from_future');
    expect(paths(rest)).toEqual(['/predictions/0/asOf']);
  });
});

describe('the idempotency rule (prediction.record)', () => {
  const RECEIVED_AT = NOW + 250;
  const admitted: Admitted = {
    modelId: 'model-a',
    predictionId: 'p-1',
    instrument: 'BTC/USDT:USDT',
    kind: 'signal',
    value: 0.25,
    confidence: null,
    horizonSec: 3600,
    ttlSec: 600,
    generatedAt: NOW - 60_000,
  };
  const eventId = predictionEventId(admitted.modelId, admitted.predictionId);
  const recorded: RecordedPrediction = { eventId, prediction: admitted, receivedAt: RECEIVED_AT };

  /** The stream's event as the store hands it back. */
  const stored = (data: unknown, over: Partial<Record<keyof RecordedEvent, unknown>> = {}): RecordedEvent =>
    ({
      eventId,
      type: 'PredictionReceived',
      schemaVersion: 5,
      data: data as EventData<'PredictionReceived'>,
      stream: predictionStream(eventId),
      streamRevision: 0,
      globalPosition: 1,
      recordedAt: iso(RECEIVED_AT + 3),
      correlationId: 'corr-1',
      causationId: null,
      producer: 'prediction-ingest',
      occurredAt: iso(RECEIVED_AT),
      ...over,
    }) as RecordedEvent;
  const dataOf = (p: Admitted): EventData<'PredictionReceived'> => {
    const d = receivedData(p, RECEIVED_AT);
    if (E.isLeft(d)) throw new Error(JSON.stringify(d.left));
    return d.right;
  };

  /** A value of the same field that differs from `a`'s. */
  const FLIPS: { readonly [K in keyof Admitted]: (a: Admitted) => Admitted[K] } = {
    modelId: (a) => `${a.modelId}-x`,
    predictionId: (a) => `${a.predictionId}-x`,
    instrument: (a) => (a.instrument === 'ETH/USDT:USDT' ? 'BTC/USDT:USDT' : 'ETH/USDT:USDT'),
    kind: (a) => (a.kind === 'signal' ? 'weight' : 'signal'),
    value: (a) => a.value + 0.5,
    confidence: (a) => (a.confidence === null ? 0 : null),
    horizonSec: (a) => a.horizonSec + 1,
    ttlSec: (a) => a.ttlSec + 1,
    generatedAt: (a) => a.generatedAt + 1,
  };
  const FIELDS = Object.keys(FLIPS) as (keyof Admitted)[];
  const flip = (a: Admitted, field: keyof Admitted): Admitted => ({ ...a, [field]: FLIPS[field](a) });

  const admittedArb: fc.Arbitrary<Admitted> = fc.record({
    modelId: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
    predictionId: fc.stringMatching(/^[A-Za-z0-9-]{1,30}$/),
    instrument: fc.constantFrom('BTC/USDT:USDT', 'ETH/USDT:USDT', 'CME:ES'),
    kind: fc.constantFrom('signal' as const, 'weight' as const),
    value: fc.double({ min: -10, max: 10, noNaN: true }),
    confidence: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
    horizonSec: fc.integer({ min: 1, max: 366 * 86_400 }),
    ttlSec: fc.integer({ min: 1, max: 366 * 86_400 }),
    generatedAt: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
  });

  it('records a prediction on an empty stream, under the id derived from (modelId, predictionId)', () => {
    expect(decideRecord(null, admitted, RECEIVED_AT)).toEqual(
      E.right({ _tag: 'record', recorded: { eventId, prediction: admitted, receivedAt: RECEIVED_AT } }),
    );
    expect(predictionEventId('model-a', 'p-1')).toBe(eventId);
    expect(predictionEventId('model-b', 'p-1')).not.toBe(eventId);
    expect(predictionEventId('model-a', 'p-2')).not.toBe(eventId);
  });

  it('replays what was recorded (the first arrival time) when the same content comes again', () => {
    const later = RECEIVED_AT + 3_600_000;
    expect(decideRecord(recorded, { ...admitted }, later)).toEqual(E.right({ _tag: 'replay', recorded }));
  });

  it.each(FIELDS)('refuses other content under the same key: %s differs', (field) => {
    const other = flip(admitted, field);
    expect(sameContent(admitted, other)).toBe(false);
    expect(decideRecord(recorded, other, RECEIVED_AT + 1000)).toEqual(
      E.left({
        code: 'idempotency_conflict',
        message: `prediction ${other.predictionId} of model ${other.modelId} was recorded with other content`,
        details: [
          {
            path: '/predictionId',
            value: other.predictionId,
            message: `(modelId ${other.modelId}, predictionId ${other.predictionId}) is already recorded with other content; use a new predictionId`,
          },
        ],
      }),
    );
    expect(REFUSAL_STATUS.idempotency_conflict).toBe(409);
  });

  it('tells a missing confidence (null) from a confidence of 0', () => {
    expect(sameContent({ ...admitted, confidence: null }, { ...admitted, confidence: 0 })).toBe(false);
  });

  it('for any prediction: a copy is the same content, and a change to any one field is a conflict', () => {
    fc.assert(
      fc.property(admittedArb, fc.constantFrom(...FIELDS), (a, field) => {
        const state: RecordedPrediction = { eventId: 'e', prediction: a, receivedAt: 0 };
        expect(sameContent(a, { ...a })).toBe(true);
        expect(decideRecord(state, { ...a }, 1)).toEqual(E.right({ _tag: 'replay', recorded: state }));
        const b = flip(a, field);
        expect(sameContent(a, b)).toBe(false);
        expect(sameContent(b, a)).toBe(false);
        expect(decideRecord(state, b, 1)).toMatchObject({
          _tag: 'Left',
          left: { code: 'idempotency_conflict' },
        });
      }),
    );
  });

  it('reads back from its stored event what was admitted and when it arrived', () => {
    const r = evolveRecord(null, stored(dataOf(admitted)));
    expect(r).toEqual(E.right(recorded));
  });

  it('replays, after a restart, a retry of a prediction read back from the log', () => {
    fc.assert(
      fc.property(admittedArb, (a) => {
        const d = receivedData(a, RECEIVED_AT);
        if (E.isLeft(d)) throw new Error(JSON.stringify(d.left));
        const state = evolveRecord(null, stored(d.right));
        if (E.isLeft(state)) throw new Error(JSON.stringify(state.left));
        expect(decideRecord(state.right, { ...a }, RECEIVED_AT + 60_000)).toEqual(
          E.right({ _tag: 'replay', recorded: { eventId, prediction: a, receivedAt: RECEIVED_AT } }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('conflicts with any new submission when the stored event predates ttl (upcast to null)', () => {
    const legacy = evolveRecord(null, stored({ ...dataOf(admitted), ttlSec: null }));
    expect(E.isRight(legacy) && legacy.right?.prediction.ttlSec).toBe(-1);
    if (E.isLeft(legacy) || legacy.right === null) throw new Error('expected a record');
    expect(decideRecord(legacy.right, admitted, RECEIVED_AT)).toMatchObject({
      _tag: 'Left',
      left: { code: 'idempotency_conflict' },
    });
  });

  it('refuses an event of another type on a prediction stream, naming the stream', () => {
    const other = stored({ scope: 'global', accountId: null, reason: 'x' }, { type: 'KillSwitchEngaged' });
    expect(evolveRecord(null, other)).toEqual(
      E.left(
        expect.objectContaining({
          _tag: 'ValidationError',
          path: '/type',
          value: 'KillSwitchEngaged',
          message: `is not an event of a prediction stream (${predictionStream(eventId)})`,
        }),
      ),
    );
  });

  it('refuses a PredictionReceived whose payload does not decode', () => {
    const r = evolveRecord(null, stored({ ...dataOf(admitted), value: 'high' }));
    expect(r).toMatchObject({ _tag: 'Left', left: { _tag: 'ValidationError', path: '/data/value' } });
    expect(evolveRecord(null, stored(dataOf(admitted), { occurredAt: 'yesterday' }))).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'ValidationError', path: '/occurredAt' },
    });
  });
});
