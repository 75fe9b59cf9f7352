/**
 * The client against a real HTTP server on 127.0.0.1 (src/test/intake.stub.ts), which checks
 * each request's signature by recomputing the HMAC over the bytes it received. Waits go through
 * an injected sleep that moves an injected clock, so retries take no real time and each
 * attempt's timestamp is known.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IntakeStub, startIntakeStub } from '../test/intake.stub';
import { createPredictionClient, PredictionClientOptions } from './prediction.client';
import { PredictionRefused, PredictionUnreachable } from './prediction.errors';
import type { PredictionInput } from './prediction.types';

const SECRET = 'whsec_spec_secret_do_not_leak_42';
const T0 = Date.parse('2026-12-03T18:00:00Z');

const prediction = (id = 'ma-2026-12-03T18:00:00Z'): PredictionInput => ({
  modelId: 'ma-cross',
  predictionId: id,
  instrument: 'BTC/USDT:USDT',
  asOf: '2026-12-03T18:00:00Z',
  horizon: 3600,
  kind: 'signal',
  value: 0.25,
  ttl: 600,
});

let stub: IntakeStub;
let nowMs: number;
let sleeps: number[];

beforeEach(async () => {
  stub = await startIntakeStub(SECRET);
  nowMs = T0;
  sleeps = [];
});
afterEach(() => stub.close());

/** A client on the stub whose sleeps are recorded and advance the clock instead of waiting. */
const client = (over: Partial<PredictionClientOptions> = {}) =>
  createPredictionClient({
    baseUrl: stub.baseUrl,
    keyId: 'key-ma',
    secret: SECRET,
    now: () => nowMs,
    sleep: async (ms) => {
      sleeps.push(ms);
      nowMs += ms;
    },
    ...over,
  });

const refusal = (status: number, code: string, message = 'refused', details: unknown[] = []) => ({
  status,
  body: { error: { status, code, message, details } },
});

/** The rejection of `p`, which must reject. */
const rejectionOf = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
};

describe('createPredictionClient: a prediction', () => {
  it('is sent as signed JSON that the server validates, and the answer comes back', async () => {
    const p = prediction();
    const sent = await client().send(p);

    expect(sent).toEqual({
      predictionId: p.predictionId,
      eventId: 'evt-1-0',
      receivedAt: '2026-12-03T18:00:00.412Z',
      replayed: false,
    });
    expect(stub.requests).toHaveLength(1);
    const [req] = stub.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/v1/predictions');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['keel-key']).toBe('key-ma');
    expect(req?.signatureValid).toBe(true);
    expect(req?.t).toBe(T0 / 1000);
    expect(JSON.parse(req?.body.toString('utf8') ?? '')).toEqual(p);
  });

  it('reports a replay (Idempotent-Replayed: true)', async () => {
    stub.script({
      status: 201,
      headers: { 'Idempotent-Replayed': 'true' },
      body: { predictionId: 'ma-1', eventId: 'evt-first', receivedAt: '2026-12-03T17:59:00.000Z' },
    });
    await expect(client().send(prediction('ma-1'))).resolves.toEqual({
      predictionId: 'ma-1',
      eventId: 'evt-first',
      receivedAt: '2026-12-03T17:59:00.000Z',
      replayed: true,
    });
  });

  it('keeps a path prefix of the base URL', async () => {
    const c = createPredictionClient({ baseUrl: `${stub.baseUrl}/keel/`, keyId: 'k', secret: SECRET });
    expect(c.url).toBe(`${stub.baseUrl}/keel/v1/predictions`);
  });
});

describe('createPredictionClient: retries', () => {
  it('waits out a 429 for its Retry-After, then resends the same bytes re-signed with a later timestamp', async () => {
    stub.script({ ...refusal(429, 'rate_limited'), headers: { 'Retry-After': '2' } });

    const sent = await client().send(prediction());

    expect(sent.replayed).toBe(false);
    expect(sleeps).toEqual([2000]);
    const [first, second] = stub.requests;
    expect(stub.requests).toHaveLength(2);
    expect(second?.body.equals(first?.body ?? Buffer.alloc(0))).toBe(true);
    expect(first?.signatureValid && second?.signatureValid).toBe(true);
    expect(second?.t).toBe((first?.t ?? 0) + 2);
    expect(second?.headers['keel-signature']).not.toBe(first?.headers['keel-signature']);
  });

  it('retries 5xx with a doubling back-off and no Retry-After', async () => {
    stub.script(refusal(503, 'unavailable'), { status: 500, body: 'oops' }, refusal(503, 'unavailable'));

    await client().send(prediction());

    expect(sleeps).toEqual([250, 500, 1000]);
    // Waits of 0.25, 0.5 and 1 s: the clock is at +0.25, +0.75 and +1.75 s at the retries.
    const t0 = T0 / 1000;
    expect(stub.requests.map((r) => r.t)).toEqual([t0, t0, t0, t0 + 1]);
    expect(stub.requests.every((r) => r.signatureValid)).toBe(true);
  });

  it('gives up after maxRetries with the last refusal', async () => {
    stub.script(...Array.from({ length: 3 }, () => refusal(503, 'unavailable', 'the store is unreachable')));

    const e = await rejectionOf(client({ maxRetries: 2 }).send(prediction()));

    expect(e).toBeInstanceOf(PredictionRefused);
    expect(e).toMatchObject({ status: 503, code: 'unavailable', attempts: 3 });
    expect(stub.requests).toHaveLength(3);
  });

  it('does not retry earlier than a Retry-After longer than it waits for: it gives up at once', async () => {
    stub.script({ ...refusal(429, 'rate_limited'), headers: { 'Retry-After': '3600' } });

    const e = await rejectionOf(client().send(prediction()));

    expect(e).toMatchObject({ status: 429, code: 'rate_limited', attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it('retries an attempt that gets no answer in timeoutMs', async () => {
    stub.script({ hang: true });

    await client({ timeoutMs: 200 }).send(prediction());

    expect(stub.requests).toHaveLength(2);
    expect(sleeps).toEqual([250]);
  });

  it('retries a refused connection, then says where it could not deliver', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const e = await rejectionOf(client({ baseUrl: `http://127.0.0.1:${port}` }).send(prediction()));

    expect(e).toBeInstanceOf(PredictionUnreachable);
    expect(e).toMatchObject({ attempts: 6, url: `http://127.0.0.1:${port}/v1/predictions` });
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(sleeps).toEqual([250, 500, 1000, 2000, 4000]);
  });
});

describe('createPredictionClient: refusals', () => {
  it('never retries a 409: it throws PredictionRefused with the server code at once', async () => {
    stub.script(refusal(409, 'idempotency_conflict', 'recorded with other content'));

    const e = await rejectionOf(client().send(prediction()));

    expect(e).toBeInstanceOf(PredictionRefused);
    expect(e).toMatchObject({
      status: 409,
      code: 'idempotency_conflict',
      serverMessage: 'recorded with other content',
      attempts: 1,
    });
    expect(e.message).toBe('prediction refused: 409 idempotency_conflict: recorded with other content');
    expect(stub.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("carries the server's details (field path, value, why)", async () => {
    const details = [{ path: '/value', value: 1.5, message: 'a signal must be in [-1, 1]' }];
    stub.script(refusal(400, 'invalid_prediction', '1 field is invalid', details));

    const e = await rejectionOf(client().send({ ...prediction(), value: 1.5 }));

    expect(e).toMatchObject({ status: 400, code: 'invalid_prediction', details });
  });

  it('names a refusal whose body is not the error shape by its status', async () => {
    stub.script(...Array.from({ length: 2 }, () => ({ status: 502, body: '<html>Bad Gateway</html>' })));

    const e = await rejectionOf(client({ maxRetries: 1 }).send(prediction()));

    expect(e).toMatchObject({ status: 502, code: 'http_502', attempts: 2 });
  });

  it('refuses a bad signature as the server would (401, not retried)', async () => {
    const e = await rejectionOf(
      createPredictionClient({ baseUrl: stub.baseUrl, keyId: 'key-ma', secret: 'another secret' }).send(
        prediction(),
      ),
    );
    expect(e).toMatchObject({ status: 401, code: 'unauthenticated', attempts: 1 });
  });
});

describe('createPredictionClient: the secret', () => {
  const leaks = (e: unknown): boolean =>
    e instanceof Error &&
    [e.message, e.stack ?? '', JSON.stringify(e), String(e)].some((s) => s.includes(SECRET));

  it('is in no request, no refusal (even one echoing it), no transport error, not on the client', async () => {
    stub.script(
      refusal(400, 'invalid_prediction', `bad key ${SECRET}`, [
        { path: '/modelId', value: SECRET, message: `not ${SECRET}` },
      ]),
    );
    const refused = await rejectionOf(client().send(prediction()));
    expect(refused).toBeInstanceOf(PredictionRefused);
    expect(leaks(refused)).toBe(false);
    expect((refused as PredictionRefused).serverMessage).toBe('bad key [redacted]');

    const unreachable = await rejectionOf(
      client({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0 }).send(prediction()),
    );
    expect(unreachable).toBeInstanceOf(PredictionUnreachable);
    expect(leaks(unreachable)).toBe(false);

    for (const r of stub.requests)
      expect(JSON.stringify(r.headers) + r.body.toString('utf8')).not.toContain(SECRET);
    expect(JSON.stringify(client())).not.toContain(SECRET);
  });

  it('is not echoed by the option checks', () => {
    expect(() => createPredictionClient({ baseUrl: 'nope', keyId: 'k', secret: SECRET })).toThrow(
      'baseUrl is not a URL (got "nope")',
    );
    expect(() => createPredictionClient({ baseUrl: stub.baseUrl, keyId: 'k', secret: '' })).toThrow(
      'secret is empty',
    );
  });
});

describe('createPredictionClient: a batch', () => {
  it('is sent as { predictions } in one signed request; the answers come back in order', async () => {
    const ps = [prediction('a'), prediction('b'), prediction('c')];

    const sent = await client().sendBatch(ps);

    expect(sent.map((s) => [s.predictionId, s.eventId, s.replayed])).toEqual([
      ['a', 'evt-1-0', false],
      ['b', 'evt-1-1', false],
      ['c', 'evt-1-2', false],
    ]);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]?.signatureValid).toBe(true);
    expect(JSON.parse(stub.requests[0]?.body.toString('utf8') ?? '')).toEqual({ predictions: ps });
  });

  it('marks every answer replayed when the response is a replay', async () => {
    const answers = ['a', 'b'].map((id) => ({ predictionId: id, eventId: `e-${id}`, receivedAt: 'x' }));
    stub.script({ status: 201, headers: { 'Idempotent-Replayed': 'true' }, body: { predictions: answers } });

    const sent = await client().sendBatch([prediction('a'), prediction('b')]);

    expect(sent.map((s) => s.replayed)).toEqual([true, true]);
  });

  it('fails loudly when the server answers fewer predictions than it was sent', async () => {
    stub.script({ status: 201, body: { predictions: [] } });
    await expect(client().sendBatch([prediction('a')])).rejects.toThrow(
      'prediction-ingest answered a batch of 1 with 0 answers',
    );
  });
});
