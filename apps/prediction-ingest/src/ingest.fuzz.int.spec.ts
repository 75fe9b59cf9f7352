/**
 * The intake under fuzzed input, at the real HTTP server (Fastify) on the real embedded store:
 * ≥ 10,000 bodies and headers a careless or hostile client could send. Every one must be
 * refused with a 4xx carrying a code and a reason, nothing may be appended, the server must
 * never answer 5xx nor fall over (a valid prediction is accepted afterwards).
 *
 * Bodies are signed with a real key unless the header is what is fuzzed, so they get past
 * authentication and exercise parsing, the schema and admission; each "broken prediction" is
 * a valid one with one rule broken, so none can be accepted by chance.
 */
import * as path from 'node:path';
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { openSqliteEventStore, EventStore } from '@keel/event-store';
import { createRealClock } from '@keel/clock';
import { createLogger } from '@keel/runtime';
import { createIngestEngine, instrumentUniverse } from '@keel/prediction-engine';
import { HttpIntake, startHttpIntake } from '@keel/prediction-intake';
import { PredictionSubmission } from '@keel/prediction-domain';
import { KEY, OTHER_KEY, signature } from '@keel/prediction-engine/testing';
import { tempDir, TempDir } from '@keel/testing';

const RUNS = { body: 4000, broken: 4000, headers: 2500 };
/** Every field a prediction may have, from the schema the intake checks. */
const FIELDS = Object.keys(PredictionSubmission.properties);

describe('prediction intake fuzzed at the HTTP server', () => {
  let dir: TempDir;
  let store: EventStore;
  let http: HttpIntake;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    dir = await tempDir('ingest-fuzz');
    const opened = openSqliteEventStore({ path: path.join(dir.path, 'keel.sqlite') });
    if (E.isLeft(opened)) throw new Error(JSON.stringify(opened.left));
    store = opened.right;
    const engine = createIngestEngine(
      { store, clock: createRealClock(), logger: createLogger({ name: 'fuzz', level: 'silent' }) },
      {
        keys: [KEY, OTHER_KEY],
        knownInstrument: instrumentUniverse(['BTC/USDT:USDT', 'CME:*']),
        rateLimit: { ratePerSec: 1e9, burst: 1e9 },
      },
    );
    const started = await startHttpIntake({
      host: '127.0.0.1',
      port: 0,
      submit: engine.submit,
      version: 'fuzz',
    });
    if (E.isLeft(started)) throw new Error(JSON.stringify(started.left));
    http = started.right;
  });

  afterAll(async () => {
    await http?.close();
    await store?.close();
    await dir?.cleanup();
  });

  const post = async (body: string | Uint8Array, headers: Record<string, string>) => {
    const r = await fetch(`${http.url}/v1/predictions`, { method: 'POST', headers, body });
    const text = await r.text();
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    return { status: r.status, text };
  };
  const signed = (body: string | Uint8Array, key = KEY) => ({
    'content-type': 'application/json',
    'keel-key': key.keyId,
    'keel-signature': signature(key.secret, body, Math.floor(Date.now() / 1000)),
  });
  const refusedWithReason = ({ status, text }: { status: number; text: string }) => {
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    const body = JSON.parse(text) as { error: { status: number; code: string; message: string } };
    expect(body.error.status).toBe(status);
    expect(body.error.code).toMatch(/^[a-z_]+$/);
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(text).not.toContain(KEY.secret);
  };
  const valid = () => ({
    modelId: KEY.modelId,
    predictionId: `p-${Math.random()}`,
    instrument: 'BTC/USDT:USDT',
    asOf: new Date(Date.now() - 1000).toISOString(),
    horizon: 600,
    kind: 'signal',
    value: 0.1,
  });

  it(`refuses ${RUNS.body} arbitrary signed bodies (JSON values, text, bytes)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json().map((s) => s),
          fc.jsonValue().map((v) => JSON.stringify({ predictions: v })),
          fc.tuple(fc.nat(), fc.jsonValue()).map(([n, v]) => JSON.stringify({ ...valid(), [`x${n}`]: v })),
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        ),
        async (body) => refusedWithReason(await post(body, signed(body))),
      ),
      { numRuns: RUNS.body },
    );
  }, 300_000);

  const BREAKS: readonly [string, fc.Arbitrary<(p: Record<string, unknown>) => unknown>][] = [
    [
      'value out of range',
      fc.double({ min: 1.0000001, max: 1e300, noNaN: true }).chain((v) =>
        fc.constantFrom(
          (p: Record<string, unknown>) => ({ ...p, value: v }),
          (p: Record<string, unknown>) => ({ ...p, value: -v }),
        ),
      ),
    ],
    [
      'weight out of range',
      fc
        .double({ min: 10.0001, max: 1e9, noNaN: true })
        .map((v) => (p: Record<string, unknown>) => ({ ...p, kind: 'weight', value: v })),
    ],
    [
      'wrong type',
      fc
        .constantFrom(...FIELDS)
        .chain((k) =>
          fc
            .oneof(
              fc.boolean(),
              fc.constant(null),
              fc.array(fc.integer(), { maxLength: 3 }),
              fc.object({ maxDepth: 1 }),
            )
            .map((v) => (p: Record<string, unknown>) => ({ ...p, [k]: v })),
        ),
    ],
    [
      'missing field',
      fc
        .constantFrom('modelId', 'predictionId', 'instrument', 'asOf', 'horizon', 'kind', 'value')
        .map((k) => (p: Record<string, unknown>) => {
          const { [k]: _gone, ...rest } = p;
          return rest;
        }),
    ],
    [
      'bad horizon or ttl',
      fc
        .constantFrom('horizon', 'ttl')
        .chain((k) =>
          fc
            .oneof(
              fc.integer({ max: 0 }),
              fc.double({ min: 0.01, max: 1000, noInteger: true }),
              fc.integer({ min: 366 * 24 * 3600 + 1 }),
            )
            .map((v) => (p: Record<string, unknown>) => ({ ...p, [k]: v })),
        ),
    ],
    [
      'bad confidence',
      fc
        .oneof(
          fc.double({ min: 1.000001, max: 1e6, noNaN: true }),
          fc.double({ max: -0.000001, min: -1e6, noNaN: true }),
        )
        .map((v) => (p: Record<string, unknown>) => ({ ...p, confidence: v })),
    ],
    [
      'bad asOf',
      fc
        .oneof(
          fc.string({ maxLength: 30 }),
          fc.constantFrom(
            '2026-02-30T00:00:00Z',
            '2026-12-03T24:00:00Z',
            '2026-12-03T18:00:00',
            '2026-12-03 18:00:00Z',
            '1700000000',
          ),
        )
        .map((v) => (p: Record<string, unknown>) => ({ ...p, asOf: v })),
    ],
    [
      'stale',
      fc.integer({ min: 601, max: 10_000_000 }).map((s) => (p: Record<string, unknown>) => ({
        ...p,
        asOf: new Date(Date.now() - s * 1000).toISOString(),
      })),
    ],
    [
      'from the future',
      fc.integer({ min: 10, max: 10_000_000 }).map((s) => (p: Record<string, unknown>) => ({
        ...p,
        asOf: new Date(Date.now() + s * 1000).toISOString(),
      })),
    ],
    ['another model', fc.constant((p: Record<string, unknown>) => ({ ...p, modelId: OTHER_KEY.modelId }))],
    [
      'unknown instrument',
      fc
        .string({ minLength: 1, maxLength: 20 })
        .filter((s) => !/\s/.test(s) && s !== 'BTC/USDT:USDT' && !s.startsWith('CME:'))
        .map((v) => (p: Record<string, unknown>) => ({ ...p, instrument: v })),
    ],
    [
      'bad kind',
      fc
        .string({ maxLength: 10 })
        .filter((s) => s !== 'signal' && s !== 'weight')
        .map((v) => (p: Record<string, unknown>) => ({ ...p, kind: v })),
    ],
    [
      'bad id',
      fc
        .constantFrom('', ' ', 'a b', 'x'.repeat(129))
        .map((v) => (p: Record<string, unknown>) => ({ ...p, predictionId: v })),
    ],
    [
      'extra field',
      fc
        .string({ minLength: 1, maxLength: 10 })
        .filter((k) => ![...FIELDS, '__proto__'].includes(k))
        .map((k) => (p: Record<string, unknown>) => ({ ...p, [k]: 1 })),
    ],
  ];

  it(`refuses ${RUNS.broken} predictions with one rule broken, alone or inside a batch of valid ones`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(...BREAKS.map(([, b]) => b)),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        async (breakIt, others, asBatch) => {
          const broken = breakIt(valid());
          const body = JSON.stringify(
            asBatch ? { predictions: [...Array.from({ length: others }, valid), broken] } : broken,
          );
          refusedWithReason(await post(body, signed(body)));
        },
      ),
      { numRuns: RUNS.broken },
    );
  }, 300_000);

  it(`refuses ${RUNS.headers} valid bodies with missing, forged or garbled headers`, async () => {
    const sec = () => Math.floor(Date.now() / 1000);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constant((_b: string) => ({ 'content-type': 'application/json' })),
          fc
            .string({ maxLength: 40 })
            .filter((s) => /^[\x21-\x7e]*$/.test(s) && s !== KEY.keyId && s !== OTHER_KEY.keyId)
            .map((k) => (b: string) => ({ ...signed(b), 'keel-key': k })),
          fc
            .string({ maxLength: 120 })
            .filter((s) => /^[\x20-\x7e]*$/.test(s))
            .map((sig) => (b: string) => ({ ...signed(b), 'keel-signature': sig })),
          fc
            .integer({ min: 301, max: 1e6 })
            .chain((d) => fc.constantFrom(-d, d))
            .map((d) => (b: string) => ({
              ...signed(b),
              'keel-signature': signature(KEY.secret, b, sec() + d),
            })),
          fc.constant((b: string) => ({
            ...signed(b),
            'keel-signature': signature(OTHER_KEY.secret, b, sec()),
          })),
          fc.constant((b: string) => ({
            ...signed(b),
            'keel-signature': signature(KEY.secret, `${b} `, sec()),
          })),
          fc
            .constantFrom(
              'text/plain',
              'application/x-www-form-urlencoded',
              'application/xml',
              'multipart/form-data; boundary=x',
            )
            .map((ct) => (b: string) => ({ ...signed(b), 'content-type': ct })),
        ),
        async (headersFor) => {
          const body = JSON.stringify(valid());
          refusedWithReason(await post(body, headersFor(body)));
        },
      ),
      { numRuns: RUNS.headers },
    );
  }, 300_000);

  it('appended nothing, answered no 5xx, and still takes a valid prediction', async () => {
    const all = await store.readAll({})();
    expect(E.isRight(all) && all.right.events).toEqual([]);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(RUNS.body + RUNS.broken + RUNS.headers);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    const body = JSON.stringify(valid());
    expect((await post(body, signed(body))).status).toBe(201);
    const after = await store.readAll({})();
    expect(E.isRight(after) && after.right.events.length).toBe(1);
    process.stdout.write(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
  });
});
