/**
 * Harness for tests that run apps as child processes against real parts: a real nats-server,
 * a real SQLite store (opened here too, to append commands and read results) and the relay in
 * the test process; each app is `node --import tsx apps/<app>/src/main.ts`, so SIGKILL hits a
 * real process.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { RecordedEvent } from '@keel/events';
import { EventStore, openSqliteEventStore } from '@keel/event-store';
import { connectNatsBus, EventBus } from '@keel/bus';
import { startRelay } from '@keel/relay';
import { freePort, NatsServer, startNatsServer, TempDir, tempDir } from '@keel/testing';

/** The workspace root (apps are spawned from it). */
export const workspaceRoot = path.resolve(__dirname, '../../../..');

export interface AppHarness {
  readonly nats: NatsServer;
  readonly dir: TempDir;
  readonly storePath: string;
  readonly store: EventStore;
  readonly bus: EventBus;
  dispose(): Promise<void>;
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

export const startAppHarness = async (name: string): Promise<AppHarness> => {
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

export interface AppChild {
  readonly proc: ChildProcess;
  readonly port: number;
  /** Logs (pino, stdout) and errors together, for failure messages. */
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `apps/<app>/src/main.ts` on the harness's NATS and store, health on a free port. */
export const spawnApp = async (
  h: AppHarness,
  app: string,
  env: Record<string, string>,
): Promise<AppChild> => {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], {
    cwd: workspaceRoot,
    env: {
      // Apps refuse unknown KEEL_* settings: pass none of the test's own.
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
  proc.stdout?.on('data', (d: Buffer) => (err += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, port, stderr: () => err, exited };
};

export const waitFor = async (
  what: string,
  cond: () => Promise<boolean>,
  ms = 60_000,
  detail: () => string = () => '',
): Promise<void> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}\n${detail()}`);
};

export const isReady = (c: Pick<AppChild, 'port'>): Promise<boolean> =>
  fetch(`http://127.0.0.1:${c.port}/readyz`).then(
    (r) => r.status === 200,
    () => false,
  );

/** Every event of a stream. */
export const readStream = async (store: EventStore, stream: string): Promise<RecordedEvent[]> => {
  const r = await store.readStream(stream, { fromRevision: 0, maxCount: 1_000_000 })();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return [...r.right];
};
