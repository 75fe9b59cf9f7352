/**
 * prediction-ingest as it runs in production: its own process (main.ts), the embedded store,
 * a real nats-server and the relay. A model in Python (clients/python/example.py, standard
 * library only) signs and sends predictions over HTTP; they are in the store and on NATS as
 * PredictionReceived. A producer on the bus sends over NATS request/reply and gets the same
 * answers. A retry after a restart of the app is still recognised.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { promisify } from 'node:util';
import * as E from 'fp-ts/Either';
import { RecordedEvent } from '@keel/events';
import {
  AppChild,
  AppHarness,
  isReady,
  spawnApp,
  startAppHarness,
  waitFor,
  workspaceRoot,
} from '@keel/app-testing';
import { freePort } from '@keel/testing';

const run = promisify(execFile);
const KEY = { keyId: 'py-key', modelId: 'py-model', secret: 's'.repeat(40) };
const sign = (body: string, t = Math.floor(Date.now() / 1000)) =>
  `t=${t},v1=${createHmac('sha256', KEY.secret).update(`${t}.${body}`).digest('hex')}`;

describe('prediction-ingest (process, sqlite, nats-server, relay)', () => {
  let h: AppHarness;
  let app: AppChild;
  let apiPort: number;
  const onNats: RecordedEvent[] = [];

  const start = async (): Promise<AppChild> => {
    const child = await spawnApp(h, 'prediction-ingest', {
      KEEL_API_PORT: String(apiPort),
      KEEL_MODEL_KEYS: JSON.stringify([KEY]),
    });
    await waitFor('prediction-ingest ready', () => isReady(child), 60_000, child.stderr);
    return child;
  };
  const stop = async (child: AppChild) => {
    child.proc.kill('SIGTERM');
    return child.exited;
  };
  const stored = async (): Promise<RecordedEvent[]> => {
    const page = await h.store.readAll({ filter: { eventTypes: ['PredictionReceived'] } })();
    if (E.isLeft(page)) throw new Error(JSON.stringify(page.left));
    return [...page.right.events];
  };

  beforeAll(async () => {
    h = await startAppHarness('ingest-e2e');
    apiPort = await freePort();
    const consumer = await h.bus.consume(
      { app: 'ingest-e2e-watcher', eventTypes: ['PredictionReceived'] },
      (e) => {
        onNats.push(e);
      },
    )();
    if (E.isLeft(consumer)) throw new Error(JSON.stringify(consumer.left));
    app = await start();
  }, 90_000);

  afterAll(async () => {
    if (app) await stop(app);
    await h?.dispose();
  });

  it('takes signed predictions from the Python client into the store and onto NATS', async () => {
    const { stdout } = await run(
      'python3',
      ['clients/python/example.py', '--count', '3', '--interval', '0.05'],
      {
        cwd: workspaceRoot,
        env: {
          PATH: process.env['PATH'] ?? '',
          MODEL_KEEL_URL: `http://127.0.0.1:${apiPort}`,
          MODEL_KEEL_KEY_ID: KEY.keyId,
          MODEL_KEEL_SECRET: KEY.secret,
          MODEL_KEEL_MODEL_ID: KEY.modelId,
        },
      },
    );
    expect(stdout.trim().split('\n')).toHaveLength(3);
    const events = await stored();
    expect(events.length).toBeGreaterThanOrEqual(1);
    for (const e of events)
      expect(e).toMatchObject({
        type: 'PredictionReceived',
        data: { modelId: 'py-model', kind: 'signal', instrument: 'BTC/USDT:USDT' },
      });
    await waitFor('the predictions on NATS', async () => onNats.length === events.length, 20_000);
    expect(onNats.map((e) => e.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
    expect(app.stderr()).not.toContain(KEY.secret);
  }, 60_000);

  it('answers over NATS request/reply exactly as over HTTP', async () => {
    const body = JSON.stringify({
      modelId: KEY.modelId,
      predictionId: 'nats-1',
      instrument: 'CME:ES',
      asOf: new Date().toISOString(),
      horizon: 600,
      kind: 'weight',
      value: 0.5,
    });
    const reply = await h.bus.request(
      'keel.cmd.prediction.submit',
      { data: Buffer.from(body), headers: { 'Keel-Key': KEY.keyId, 'Keel-Signature': sign(body) } },
      5000,
    )();
    if (E.isLeft(reply)) throw new Error(JSON.stringify(reply.left));
    expect(reply.right.headers['keel-status']).toBe('201');
    const first = Buffer.from(reply.right.data).toString();
    // The same prediction over HTTP is a replay of the NATS answer.
    const http = await fetch(`http://127.0.0.1:${apiPort}/v1/predictions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'keel-key': KEY.keyId, 'keel-signature': sign(body) },
      body,
    });
    expect(http.status).toBe(201);
    expect(http.headers.get('idempotent-replayed')).toBe('true');
    expect(await http.text()).toBe(first);
    const forged = await h.bus.request(
      'keel.cmd.prediction.submit',
      {
        data: Buffer.from(body.replace('0.5', '0.9')),
        headers: { 'Keel-Key': KEY.keyId, 'Keel-Signature': sign(body) },
      },
      5000,
    )();
    expect(E.isRight(forged) && forged.right.headers['keel-status']).toBe('401');
    const e = (await stored()).find((x) => (x.data as { predictionId: string }).predictionId === 'nats-1');
    expect(e?.data).toMatchObject({
      instrument: 'CME:ES',
      kind: 'weight',
      market: { state: expect.any(String) },
    });
  }, 30_000);

  it('serves its OpenAPI document and refuses what Fastify sees first in the same error shape', async () => {
    const doc = (await (await fetch(`http://127.0.0.1:${apiPort}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toEqual(['/v1/predictions']);
    const wrongType = await fetch(`http://127.0.0.1:${apiPort}/v1/predictions`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(wrongType.status).toBe(415);
    expect(await wrongType.json()).toMatchObject({ error: { status: 415, code: 'unsupported_media_type' } });
    const big = await fetch(`http://127.0.0.1:${apiPort}/v1/predictions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `"${'x'.repeat(1024 * 1024 + 10)}"`,
    });
    expect(big.status).toBe(413);
    expect((await big.json()) as object).toMatchObject({ error: { code: 'payload_too_large' } });
    const get = await fetch(`http://127.0.0.1:${apiPort}/v1/predictions`);
    expect(get.status).toBe(405);
  });

  it('still recognises a retry after the app restarts, and stops cleanly on SIGTERM', async () => {
    const body = JSON.stringify({
      modelId: KEY.modelId,
      predictionId: 'restart-1',
      instrument: 'BTC/USDT:USDT',
      asOf: new Date().toISOString(),
      horizon: 600,
      kind: 'signal',
      value: -0.25,
    });
    const post = () =>
      fetch(`http://127.0.0.1:${apiPort}/v1/predictions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'keel-key': KEY.keyId, 'keel-signature': sign(body) },
        body,
      });
    const first = await post();
    expect(first.status).toBe(201);
    const firstBody = await first.text();
    expect(await stop(app)).toEqual({ code: 0, signal: null });
    app = await start();
    const again = await post();
    expect(again.status).toBe(201);
    expect(await again.text()).toBe(firstBody);
    expect(
      (await stored()).filter((e) => (e.data as { predictionId: string }).predictionId === 'restart-1'),
    ).toHaveLength(1);
  }, 90_000);
});
