/**
 * End to end: `keel start` runs the relay and every app as separate processes against a
 * real nats-server and one SQLite file. Each app answers /healthz, /readyz and /metrics;
 * an event appended to the store reaches the app that folds it (store → relay → NATS →
 * consumer); readiness follows a NATS outage and recovers by itself; SIGTERM stops every
 * app cleanly; a bad config value stops an app before it starts, naming the key and value.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { deriveId, newEvent } from '@keel/events';
import { openSqliteEventStore } from '@keel/event-store';
import { NatsServer, startNatsServer, TempDir, tempDir } from '@keel/testing';
import { APPS } from './commands/start.command';

const root = path.resolve(__dirname, '../../..');
const MODEL_KEY = { keyId: 'e2e-key', modelId: 'e2e-model', secret: 'e2e-secret-'.padEnd(40, 'x') };
// Below the kernel's ephemeral range (32768–60999 here): ports other specs' clients and free-port
// probes take from there must never be the ones `keel start` is about to bind (EADDRINUSE seen in CI-like runs).
const OFFSET = 10_000 + (process.pid % 1400) * 10;
const url = (app: (typeof APPS)[number]['name'], p: string) =>
  `http://127.0.0.1:${APPS.find((a) => a.name === app)!.port + OFFSET}${p}`;

let nats: NatsServer;
let dir: TempDir;
let keel: ChildProcess;
let keelOut = '';
let keelErr = '';

const waitFor = async (what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}\nkeel stderr:\n${keelErr}`);
};
const status = (u: string) =>
  fetch(u).then(
    (r) => r.status,
    () => 0,
  );

beforeAll(async () => {
  nats = await startNatsServer();
  dir = await tempDir('keel-e2e');
  keel = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'tools/keel/src/main.ts',
      'start',
      '--json',
      '--data',
      dir.path,
      '--port-offset',
      String(OFFSET),
    ],
    {
      cwd: root,
      // A setting only prediction-ingest takes: `keel start` must hand it to that app alone
      // (the others refuse settings they do not know).
      env: {
        ...process.env,
        KEEL_NATS_URL: nats.url,
        KEEL_LOG_LEVEL: 'info',
        KEEL_MODEL_KEYS: JSON.stringify([MODEL_KEY]),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  keel.stdout!.on('data', (d: Buffer) => (keelOut += d.toString()));
  keel.stderr!.on('data', (d: Buffer) => (keelErr += d.toString()));
  await waitFor('keel start to report', async () => keelOut.includes('\n'), 120_000);
}, 180_000);

afterAll(async () => {
  if (keel && keel.exitCode === null) keel.kill('SIGKILL');
  await nats?.dispose();
  await dir?.cleanup();
});

describe('keel start', () => {
  it('starts every app ready, with health, readiness and metrics', async () => {
    const report = JSON.parse(keelOut) as { apps: { app: string; ready: boolean }[] };
    expect(report.apps.map((a) => [a.app, a.ready])).toEqual(APPS.map((a) => [a.name, true]));
    for (const app of APPS) {
      expect(await status(url(app.name, '/healthz'))).toBe(200);
      expect(await status(url(app.name, '/readyz'))).toBe(200);
      const metrics = await fetch(url(app.name, '/metrics')).then((r) => r.text());
      expect(metrics).toMatch(new RegExp(`^ready\\{app="${app.name}"\\} 1$`, 'm'));
    }
  });

  it('carries an appended event from the store through the relay and NATS into the app that folds it', async () => {
    const store = openSqliteEventStore({ path: path.join(dir.path, 'keel.sqlite') });
    if (E.isLeft(store)) throw new Error(JSON.stringify(store.left));
    const event = newEvent(
      'TargetPositionSet',
      deriveId('e2e', 'target', 1),
      { accountId: 'acc-1', instrument: 'BTCUSDT', targetQty: '0.5', horizonSec: 3600, reason: 'e2e' },
      {
        correlationId: 'e2e',
        causationId: null,
        producer: 'e2e-test',
        occurredAt: '2024-01-01T00:00:00.000Z',
      },
    );
    if (E.isLeft(event)) throw new Error(JSON.stringify(event.left));
    const appended = await store.right.append('portfolio-acc-1', [event.right], 'any')();
    expect(E.isRight(appended)).toBe(true);
    await store.right.close();
    await waitFor('execution to apply TargetPositionSet', async () =>
      /events_applied_total\{event_type="TargetPositionSet",app="execution"\} 1/.test(
        await fetch(url('execution', '/metrics')).then((r) => r.text()),
      ),
    );
    const relayMetrics = await fetch(url('relay', '/metrics')).then((r) => r.text());
    expect(relayMetrics).toMatch(/events_published_total\{event_type="TargetPositionSet",app="relay"\} 1/);
  }, 90_000);

  it('takes a signed prediction over HTTP and carries it to the optimizer', async () => {
    const body = JSON.stringify({
      modelId: MODEL_KEY.modelId,
      predictionId: 'e2e-1',
      instrument: 'BTC/USDT:USDT',
      asOf: new Date().toISOString(),
      horizon: 600,
      kind: 'signal',
      value: 0.5,
    });
    const t = Math.floor(Date.now() / 1000);
    const r = await fetch(`http://127.0.0.1:${8090 + OFFSET}/v1/predictions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'keel-key': MODEL_KEY.keyId,
        'keel-signature': `t=${t},v1=${createHmac('sha256', MODEL_KEY.secret).update(`${t}.${body}`).digest('hex')}`,
      },
      body,
    });
    expect(r.status).toBe(201);
    await waitFor('the optimizer to fold PredictionReceived', async () =>
      /events_applied_total\{event_type="PredictionReceived",app="optimizer"\} 1/.test(
        await fetch(url('optimizer', '/metrics')).then((x) => x.text()),
      ),
    );
  }, 60_000);

  it('reports not ready while NATS is down and recovers by itself', async () => {
    await nats.stop();
    await waitFor(
      'optimizer /readyz 503',
      async () => (await status(url('optimizer', '/readyz'))) === 503,
      30_000,
    );
    expect(await status(url('optimizer', '/healthz'))).toBe(200);
    await nats.restart();
    await waitFor(
      'every app ready again',
      async () => {
        const codes = await Promise.all(APPS.map((a) => status(url(a.name, '/readyz'))));
        return codes.every((c) => c === 200);
      },
      60_000,
    );
  }, 120_000);

  it('stops every app cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => keel.once('exit', (code) => r(code)));
    keel.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(keelErr).not.toMatch(/stopped uncleanly/);
  }, 60_000);
});

describe('bad config', () => {
  const runOptimizer = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'apps/optimizer/src/main.ts'], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('refuses to start an app, naming the key and the value', () => {
    const run = runOptimizer({ KEEL_HTTP_PORT: 'abc', KEEL_NATS_URL: 'nats://127.0.0.1:1' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('KEEL_HTTP_PORT');
    expect(run.stderr).toContain('"abc"');
  }, 90_000);

  it('refuses a store user for a store that takes none, never showing the password', () => {
    const run = runOptimizer({
      KEEL_STORE_URI: 'sqlite:./data/never.sqlite',
      KEEL_STORE_USER: 'admin',
      KEEL_STORE_PASSWORD: 'hunter2-secret',
      KEEL_HTTP_PORT: '0',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/KEEL_STORE_USER.*kurrentdb:\/\/ store only/);
    expect(run.stderr).not.toContain('hunter2-secret');
  }, 90_000);

  it('names an unknown store scheme', () => {
    const run = runOptimizer({ KEEL_STORE_URI: 'postgres://x', KEEL_HTTP_PORT: '0' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/KEEL_STORE_URI.*postgres/);
  }, 90_000);
});
