/**
 * Test harness for the gateway's e2e and kill tests: a real nats-server (`@keel/testing`), a real SQLite store
 * (opened here too, to append commands and read results), the relay in this process, and the
 * gateway app as a child process (`node --import tsx apps/gateway/src/main.ts`).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, newEvent, RecordedEvent } from '@keel/events';
import { EventStore, openSqliteEventStore } from '@keel/event-store';
import { connectNatsBus, EventBus } from '@keel/bus';
import { startRelay } from '@keel/relay';
import { freePort, NatsServer, startNatsServer, TempDir, tempDir } from '@keel/testing';

export const root = path.resolve(__dirname, '../../../..');

export interface Harness {
  readonly nats: NatsServer;
  readonly dir: TempDir;
  readonly storePath: string;
  readonly store: EventStore;
  readonly bus: EventBus;
  dispose(): Promise<void>;
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

export const startHarness = async (name: string): Promise<Harness> => {
  const nats = await startNatsServer();
  const dir = await tempDir(name);
  const storePath = path.join(dir.path, 'keel.sqlite');
  const opened = openSqliteEventStore({ path: storePath, pollIntervalMs: 5 });
  if (E.isLeft(opened)) throw new Error(JSON.stringify(opened.left));
  const connected = await connectNatsBus({ servers: nats.url, name: `${name}-relay` })();
  if (E.isLeft(connected)) throw new Error(JSON.stringify(connected.left));
  const relay = await startRelay({ store: opened.right, bus: connected.right, logger: quiet });
  if (E.isLeft(relay)) throw new Error(JSON.stringify(relay.left));
  return {
    nats,
    dir,
    storePath,
    store: opened.right,
    bus: connected.right,
    dispose: async () => {
      await relay.right.stop();
      await connected.right.close();
      await opened.right.close();
      await nats.dispose();
      await dir.cleanup();
    },
  };
};

export interface GatewayChild {
  readonly proc: ChildProcess;
  readonly port: number;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export const spawnGateway = async (h: Harness, env: Record<string, string>): Promise<GatewayChild> => {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'apps/gateway/src/main.ts'], {
    cwd: root,
    env: {
      // The app refuses unknown KEEL_* settings: pass none of the test's own (KEEL_GATEWAY_KILL_*).
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KEEL_'))),
      KEEL_NATS_URL: h.nats.url,
      KEEL_STORE_URI: `sqlite:${h.storePath}`,
      KEEL_HTTP_PORT: String(port),
      KEEL_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  // Logs (pino, stdout) and errors together, for failure messages.
  proc.stdout?.on('data', (d: Buffer) => (err += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, port, stderr: () => err, exited };
};

export const waitFor = async (what: string, cond: () => Promise<boolean>, ms = 60_000, detail: () => string = () => ''): Promise<void> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}\n${detail()}`);
};

export const isReady = (g: GatewayChild): Promise<boolean> => fetch(`http://127.0.0.1:${g.port}/readyz`).then((r) => r.status === 200, () => false);

const meta = (tag: string) => ({ correlationId: tag, causationId: null, producer: 'gateway-test', occurredAt: new Date().toISOString() });

/** Append a ChildOrderRequested as execution would (stream execution-<account>). */
export const requestOrder = async (store: EventStore, d: EventData<'ChildOrderRequested'>): Promise<void> => {
  const e = newEvent('ChildOrderRequested', deriveId('test-child-order', d.accountId, d.clientOrderId), d, meta(d.clientOrderId));
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  const r = await store.append(`execution-${d.accountId}`, [e.right], 'any')();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
};

export const requestCancel = async (store: EventStore, d: EventData<'CancelRequested'>): Promise<void> => {
  const e = newEvent('CancelRequested', deriveId('test-cancel', d.accountId, d.clientOrderId), d, meta(d.clientOrderId));
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  const r = await store.append(`execution-${d.accountId}`, [e.right], 'any')();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
};

/** Every event of a stream. */
export const readStream = async (store: EventStore, stream: string): Promise<RecordedEvent[]> => {
  const r = await store.readStream(stream, { fromRevision: 0, maxCount: 1_000_000 })();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return [...r.right];
};
