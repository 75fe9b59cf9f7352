import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { infrastructureError } from '@keel/events';
import { createMemoryEventStore, EventStore } from '@keel/event-store';
import { createRealClock, createVirtualClock } from '@keel/clock';
import { createLogger } from '@keel/runtime';
import { chicagoInstant } from '@keel/calendar';
import { createIngestEngine, IngestSettings } from './ingest.engine';
import { instrumentUniverse } from './instrument.universe';
import {
  errorOf,
  json,
  KEY,
  OTHER_KEY,
  prediction,
  signature,
  signedRequest,
} from '../testing/intake.fixtures';

const NOW = Date.parse('2026-12-03T18:00:00Z');
const logger = createLogger({ name: 'ingest-spec', level: 'silent' });

const setup = (over: Partial<IngestSettings> = {}, store = createMemoryEventStore(), start = NOW) => {
  const clock = createVirtualClock(start);
  const engine = createIngestEngine(
    { store, clock, logger },
    {
      keys: [KEY, OTHER_KEY],
      knownInstrument: instrumentUniverse(['BTC/USDT:USDT', 'CME:*']),
      rateLimit: { ratePerSec: 1000, burst: 5000 },
      ...over,
    },
  );
  const stored = async () => {
    const page = await store.readAll({ filter: { eventTypes: ['PredictionReceived'] } })();
    if (E.isLeft(page)) throw new Error(JSON.stringify(page.left));
    return page.right.events;
  };
  return { engine, clock, store, stored };
};

describe('prediction intake: accepting', () => {
  it('records a signed prediction once, as PredictionReceived v5 keyed by (model, predictionId)', async () => {
    const { engine, stored } = setup();
    const r = await engine.submit(signedRequest(prediction({ confidence: 0.8, ttl: 600 }), NOW));
    expect(r.status).toBe(201);
    const body = json(r);
    expect(body).toEqual({
      predictionId: 'p-1',
      eventId: expect.any(String),
      receivedAt: '2026-12-03T18:00:00.000Z',
    });
    const events = await stored();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventId: body['eventId'],
      stream: `prediction-${String(body['eventId'])}`,
      schemaVersion: 5,
      occurredAt: '2026-12-03T18:00:00.000Z',
      producer: 'prediction-ingest',
      data: {
        modelId: 'alpha',
        predictionId: 'p-1',
        instrument: 'BTC/USDT:USDT',
        kind: 'signal',
        value: 0.4,
        confidence: 0.8,
        horizonSec: 3600,
        ttlSec: 600,
        generatedAt: '2026-12-03T17:59:59.000Z',
        market: null,
      },
    });
    expect(JSON.stringify(events[0])).not.toContain(KEY.secret);
  });

  it('answers a retry with the first response, byte for byte, and records nothing more', async () => {
    const { engine, clock, stored } = setup();
    const first = await engine.submit(signedRequest(prediction(), NOW));
    clock.advanceBy(30_000);
    // Same content, other bytes: key order, spacing and a +00:00 zone do not make it new.
    const p = prediction();
    const again = `{ "value": 0.4, "kind": "signal", "horizon": 3600, "asOf": "2026-12-03T17:59:59+00:00", "instrument": "BTC/USDT:USDT", "predictionId": "p-1", "modelId": "alpha" }`;
    const second = await engine.submit(signedRequest(p, clock.now(), { raw: again }));
    expect(second.status).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await stored()).toHaveLength(1);
    expect(engine.stats()).toMatchObject({ accepted: 1, replayed: 1 });
  });

  it('refuses the same key with other content (409 naming the key), and records nothing', async () => {
    const { engine, stored } = setup();
    await engine.submit(signedRequest(prediction(), NOW));
    const r = await engine.submit(signedRequest(prediction({ value: -0.4 }), NOW));
    expect(r.status).toBe(409);
    expect(errorOf(r)).toMatchObject({
      code: 'idempotency_conflict',
      details: [
        {
          path: '/predictionId',
          value: 'p-1',
          message: expect.stringContaining('(modelId alpha, predictionId p-1)'),
        },
      ],
    });
    expect(await stored()).toHaveLength(1);
  });

  it('remembers keys across a restart and beyond its cache: the store is the memory', async () => {
    const store = createMemoryEventStore();
    const a = setup({ cachedKeys: 2 }, store);
    const firsts = [];
    for (let i = 0; i < 5; i++)
      firsts.push(await a.engine.submit(signedRequest(prediction({ predictionId: `p-${i}` }), NOW)));
    // The cache holds 2 keys: p-0 is answered from its stream.
    const replay = await a.engine.submit(signedRequest(prediction({ predictionId: 'p-0' }), NOW));
    expect(replay.body).toBe(firsts[0]!.body);
    // A new engine on the same store (a restarted app), a day later: the predictions have long
    // expired, yet a retry is answered as the first time (the model learns it was recorded),
    // and other content under a recorded key is still a conflict.
    const later = NOW + 24 * 3600_000;
    const b = setup({}, store, later);
    const same = await b.engine.submit(signedRequest(prediction({ predictionId: 'p-3' }), later));
    expect(same.status).toBe(201);
    expect(same.body).toBe(firsts[3]!.body);
    const other = await b.engine.submit(signedRequest(prediction({ predictionId: 'p-3', ttl: 7200 }), later));
    expect(other.status).toBe(409);
    const fresh = await b.engine.submit(signedRequest(prediction({ predictionId: 'p-9' }), later));
    expect(fresh.status).toBe(422);
    expect(await b.stored()).toHaveLength(5);
  });

  it('takes a batch: one answer per prediction in order; a repeated key with the same content is one event', async () => {
    const { engine, stored } = setup();
    const batch = {
      predictions: [
        prediction({ predictionId: 'a' }),
        prediction({ predictionId: 'b', kind: 'weight', value: -3 }),
        prediction({ predictionId: 'a' }),
      ],
    };
    const r = await engine.submit(signedRequest(batch, NOW));
    expect(r.status).toBe(201);
    const answers = (json(r) as { predictions: { predictionId: string; eventId: string }[] }).predictions;
    expect(answers.map((a) => a.predictionId)).toEqual(['a', 'b', 'a']);
    expect(answers[0]!.eventId).toBe(answers[2]!.eventId);
    expect(await stored()).toHaveLength(2);
  });

  it('refuses a whole batch when one prediction conflicts with a recorded one: nothing of it is recorded', async () => {
    const { engine, stored } = setup();
    await engine.submit(signedRequest(prediction({ predictionId: 'x' }), NOW));
    const r = await engine.submit(
      signedRequest(
        { predictions: [prediction({ predictionId: 'new' }), prediction({ predictionId: 'x', value: 0.9 })] },
        NOW,
      ),
    );
    expect(r.status).toBe(409);
    expect(errorOf(r).details).toEqual([
      expect.objectContaining({ path: '/predictions/1/predictionId', value: 'x' }),
    ]);
    expect(await stored()).toHaveLength(1);
  });

  it('marks a CME root received while the market is closed with its state and the next open', async () => {
    const saturday = chicagoInstant('2026-11-21', '10:00');
    const { engine, stored } = setup({}, createMemoryEventStore(), saturday);
    const r = await engine.submit(signedRequest(prediction({ instrument: 'CME:ES' }, saturday), saturday));
    expect(r.status).toBe(201);
    expect((await stored())[0]!.data).toMatchObject({
      instrument: 'CME:ES',
      market: {
        state: 'weekend',
        receivedWhileClosed: true,
        receivedAt: new Date(saturday).toISOString(),
        effectiveAt: new Date(chicagoInstant('2026-11-22', '17:00')).toISOString(),
      },
    });
  });
});

describe('prediction intake: when the store is down', () => {
  it('answers 503 once its outage budget is spent, records nothing, and takes the same request once the store is back', async () => {
    const store = createMemoryEventStore();
    let down = true;
    const flaky: EventStore = {
      ...store,
      append: (...args) =>
        down ? TE.left(infrastructureError('spec', 'append', 'the store is down')) : store.append(...args),
    };
    const engine = createIngestEngine(
      { store: flaky, clock: createRealClock(), logger },
      {
        keys: [KEY],
        knownInstrument: instrumentUniverse(['BTC/USDT:USDT']),
        rateLimit: { ratePerSec: 1000, burst: 5000 },
        outageBudgetMs: 50,
      },
    );
    const p = prediction({}, Date.now());
    const r = await engine.submit(signedRequest(p, Date.now()));
    expect(r.status).toBe(503);
    expect(errorOf(r)).toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('retrying is safe'),
    });
    down = false;
    const again = await engine.submit(signedRequest(p, Date.now()));
    expect(again.status).toBe(201);
    const page = await store.readAll({})();
    expect(E.isRight(page) && page.right.events).toHaveLength(1);
  });
});

describe('prediction intake: refusing', () => {
  const refused = async (
    req: Parameters<ReturnType<typeof setup>['engine']['submit']>[0],
    over: Partial<IngestSettings> = {},
  ) => {
    const { engine, stored } = setup(over);
    const r = await engine.submit(req);
    expect(await stored()).toHaveLength(0);
    expect(r.body).not.toContain(KEY.secret);
    return { status: r.status, headers: r.headers, error: errorOf(r) };
  };

  it('401 without a key, with an unknown key, a bad MAC, a malformed header or a stale timestamp', async () => {
    const p = prediction();
    const cases: [Record<string, string | undefined>, string][] = [
      [{ 'keel-key': undefined }, 'Keel-Key header is missing'],
      [{ 'keel-key': 'nobody' }, 'Keel-Key nobody is not a key Keel knows'],
      [{ 'keel-signature': signature(OTHER_KEY.secret, JSON.stringify(p), NOW / 1000) }, 'does not match'],
      [{ 'keel-signature': 'v1=abc' }, 'v1 must be 64'],
      [{ 'keel-signature': undefined }, 'Keel-Signature header is missing'],
      [
        { 'keel-signature': signature(KEY.secret, JSON.stringify(p), NOW / 1000 - 301) },
        'is 301 s from Keel',
      ],
      [
        { 'keel-signature': signature(KEY.secret, JSON.stringify(p), NOW / 1000 + 301) },
        'is 301 s from Keel',
      ],
    ];
    for (const [headers, message] of cases) {
      const r = await refused(signedRequest(p, NOW, { headers }));
      expect(r).toMatchObject({
        status: 401,
        error: { code: 'unauthenticated', message: expect.stringContaining(message) },
      });
    }
    // The signature covers the body: the same header on other bytes fails.
    const tampered = signedRequest(p, NOW);
    const r = await refused({ ...tampered, body: Buffer.from(JSON.stringify({ ...p, value: 1 })) });
    expect(r.status).toBe(401);
  });

  it('accepts a signature within the tolerance, and any matching v1 of several (key rotation)', async () => {
    const { engine } = setup();
    const p = prediction();
    const text = JSON.stringify(p);
    const t = NOW / 1000 - 299;
    const good = signature(KEY.secret, text, t);
    const rotated = `${signature('an-old-secret-that-no-longer-works', text, t)},${good.split(',')[1]}`;
    const r = await engine.submit(signedRequest(p, NOW, { headers: { 'keel-signature': rotated } }));
    expect(r.status).toBe(201);
  });

  it('403 when a prediction is for another model than the key’s', async () => {
    const r = await refused(signedRequest(prediction({ modelId: 'beta' }), NOW));
    expect(r).toMatchObject({
      status: 403,
      error: { code: 'forbidden_model', details: [{ path: '/modelId', value: 'beta' }] },
    });
  });

  it('400 with the path and value of every bad field', async () => {
    const r = await refused(
      signedRequest(
        { predictions: [prediction({ value: 1.5 }), prediction({ horizon: 'soon', extra: 1 })] },
        NOW,
      ),
    );
    expect(r.status).toBe(400);
    expect(r.error.code).toBe('invalid_prediction');
    expect(r.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/predictions/1/horizon', value: 'soon' }),
        expect.objectContaining({ path: '/predictions/1/extra', message: 'is not a field of a prediction' }),
      ]),
    );
    const range = await refused(signedRequest(prediction({ value: 1.5 }), NOW));
    expect(range.error.details).toEqual([
      { path: '/value', value: 1.5, message: 'a signal must be in [-1, 1]' },
    ]);
    const weight = await refused(signedRequest(prediction({ kind: 'weight', value: 11 }), NOW));
    expect(weight.error.details[0]).toMatchObject({
      path: '/value',
      message: 'a weight must be in [-10, 10]',
    });
    const kind = await refused(signedRequest(prediction({ kind: 'vibe' }), NOW));
    expect(kind.error.details[0]).toMatchObject({
      path: '/kind',
      value: 'vibe',
      message: 'must be one of ["signal","weight"]',
    });
    const day = await refused(signedRequest(prediction({ asOf: '2026-02-30T00:00:00Z' }), NOW));
    expect(day.error.details[0]).toMatchObject({ path: '/asOf', message: 'is not a real instant' });
    const missing = await refused(signedRequest({ modelId: 'alpha' }, NOW));
    expect(missing.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/predictionId', message: 'is required' })]),
    );
  });

  it('400 on malformed JSON, an empty batch and a batch over 1,000', async () => {
    expect((await refused(signedRequest(null, NOW, { raw: '{"modelId":' }))).error.code).toBe(
      'malformed_json',
    );
    expect((await refused(signedRequest({ predictions: [] }, NOW))).error.details[0]).toMatchObject({
      path: '/predictions',
    });
    const big = {
      predictions: Array.from({ length: 1001 }, (_, i) => prediction({ predictionId: `p${i}` })),
    };
    const r = await refused(signedRequest(big, NOW));
    expect(r).toMatchObject({
      status: 400,
      error: {
        details: [
          { path: '/predictions', value: 'array of 1001', message: 'must hold at most 1000 predictions' },
        ],
      },
    });
  });

  it('422 for an unknown instrument, an expired prediction (naming both times) and one from the future', async () => {
    const unknown = await refused(signedRequest(prediction({ instrument: 'DOGE/USDT:USDT' }), NOW));
    expect(unknown).toMatchObject({
      status: 422,
      error: { code: 'unknown_instrument', details: [{ path: '/instrument', value: 'DOGE/USDT:USDT' }] },
    });
    const cmeUnknown = await refused(signedRequest(prediction({ instrument: 'CME:XX' }), NOW));
    expect(cmeUnknown.error.code).toBe('unknown_instrument');
    const asOf = '2026-12-03T17:00:00Z';
    const stale = await refused(signedRequest(prediction({ asOf, ttl: 3600 }), NOW));
    expect(stale).toMatchObject({ status: 422, error: { code: 'stale_prediction' } });
    expect(stale.error.details[0]!.message).toBe(
      "expired at 2026-12-03T18:00:00.000Z (asOf + ttl); Keel's clock reads 2026-12-03T18:00:00.000Z",
    );
    const future = await refused(signedRequest(prediction({ asOf: '2026-12-03T18:00:06Z' }), NOW));
    expect(future).toMatchObject({ status: 422, error: { code: 'prediction_from_future' } });
    const skewOk = setup();
    expect(
      (await skewOk.engine.submit(signedRequest(prediction({ asOf: '2026-12-03T18:00:05Z' }), NOW))).status,
    ).toBe(201);
  });

  it('429 with Retry-After once a model is over its rate; other models are not affected; tokens come back', async () => {
    const { engine, clock } = setup({ rateLimit: { ratePerSec: 10, burst: 20 } });
    const batch = (n: number, from: number) => ({
      predictions: Array.from({ length: n }, (_, i) => prediction({ predictionId: `r${from + i}` })),
    });
    expect((await engine.submit(signedRequest(batch(20, 0), NOW))).status).toBe(201);
    const over = await engine.submit(signedRequest(batch(5, 100), NOW));
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toBe('1');
    expect(errorOf(over).code).toBe('rate_limited');
    const beta = await engine.submit(
      signedRequest(prediction({ modelId: 'beta', predictionId: 'b1' }), NOW, { key: OTHER_KEY }),
    );
    expect(beta.status).toBe(201);
    clock.advanceBy(500);
    expect((await engine.submit(signedRequest(batch(5, 100), clock.now()))).status).toBe(201);
    expect(engine.stats().refused).toEqual({ rate_limited: 1 });
  });
});
