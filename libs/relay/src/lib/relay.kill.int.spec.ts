/**
 * Store → NATS survives SIGKILL. A child process appends events to a real SQLite file and
 * relays them to a real nats-server; it is killed at random points, over and over (during
 * start-up, mid-append, mid-publish, between batches). A final relay-only run catches up.
 * A durable consumer in this process must then hold every stored event exactly once, and
 * must never have been handed an event the store does not hold.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { RecordedEvent } from '@keel/events';
import { EventStore, openSqliteEventStore } from '@keel/event-store';
import { connectNatsBus, Consumer, EventBus } from '@keel/bus';
import { NatsServer, startNatsServer, TempDir, tempDir } from '@keel/testing';

const TRIALS = Number(process.env['KEEL_KILL_TRIALS'] ?? 50);
const root = path.resolve(__dirname, '../../../..');
const child = path.join(__dirname, 'relay-crash.child.ts');

// A seeded generator so a failing run can be repeated (the seed is printed).
const seed = Number(process.env['KEEL_KILL_SEED'] ?? Date.now() % 100_000);
let s = seed;
const rand = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31), s / 2 ** 31);

let nats: NatsServer;
let dir: TempDir;
let storePath: string;
let store: EventStore;
let bus: EventBus;
let consumer: Consumer;
const applied = new Map<string, number>();
const notStoredWhenSeen: string[] = [];

const spawnChild = (
  trial: number,
  mode: 'write' | 'relay-only',
): { proc: ChildProcess; lines: string[]; ready: Promise<void>; exited: Promise<void> } => {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, storePath, nats.url, String(trial), mode], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve) =>
    proc.stdout!.on('data', (d: Buffer) => {
      lines.push(...d.toString().split('\n').filter(Boolean));
      if (lines.includes('ready')) resolve();
    }),
  );
  const exited = new Promise<void>((resolve, reject) =>
    proc.on('exit', (code, signal) =>
      signal === 'SIGKILL' || code === 0
        ? resolve()
        : reject(new Error(`child exited ${code ?? signal}: ${stderr}`)),
    ),
  );
  return { proc, lines, ready, exited };
};

beforeAll(async () => {
  nats = await startNatsServer();
  dir = await tempDir('keel-relay-kill');
  storePath = path.join(dir.path, 'keel.sqlite');
  const opened = openSqliteEventStore({ path: storePath, pollIntervalMs: 5 });
  if (E.isLeft(opened)) throw new Error(JSON.stringify(opened.left));
  store = opened.right;
  const connected = await connectNatsBus({ servers: nats.url, name: 'relay-kill-consumer' })();
  if (E.isLeft(connected)) throw new Error(JSON.stringify(connected.left));
  bus = connected.right;
  const started = await bus.consume({ app: 'relay-kill-consumer' }, async (event: RecordedEvent) => {
    applied.set(event.eventId, (applied.get(event.eventId) ?? 0) + 1);
    const stored = await store.readStream(event.stream, {
      fromRevision: event.streamRevision,
      maxCount: 1,
    })();
    if (E.isLeft(stored) || stored.right[0]?.eventId !== event.eventId) notStoredWhenSeen.push(event.eventId);
  })();
  if (E.isLeft(started)) throw new Error(JSON.stringify(started.left));
  consumer = started.right;
  process.stderr.write(`relay kill test: ${TRIALS} trials, seed ${seed} (KEEL_KILL_SEED to repeat)\n`);
}, 60_000);

afterAll(async () => {
  await consumer?.stop();
  await bus?.close();
  await store?.close();
  await nats?.dispose();
  await dir?.cleanup();
});

it(
  `delivers every stored event exactly once across ${TRIALS} SIGKILLs of writer + relay`,
  async () => {
    let killedBeforeReady = 0;
    for (let trial = 1; trial <= TRIALS; trial++) {
      const c = spawnChild(trial, 'write');
      if (trial % 6 === 0) {
        // Kill during start-up: before or while the relay reads its checkpoint.
        await new Promise((r) => setTimeout(r, 50 + rand() * 600));
        if (!c.lines.includes('ready')) killedBeforeReady++;
      } else {
        await Promise.race([c.ready, c.exited]);
        await new Promise((r) => setTimeout(r, rand() * 250));
      }
      c.proc.kill('SIGKILL');
      await c.exited;
    }

    const head = await store.headPosition()();
    if (E.isLeft(head)) throw new Error(JSON.stringify(head.left));

    const last = spawnChild(0, 'relay-only');
    await last.exited;
    expect(last.lines.some((l) => l.startsWith('caught-up'))).toBe(true);

    const deadline = Date.now() + 60_000;
    while (consumer.position() < head.right && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));

    const storedIds: string[] = [];
    for (let after = 0; ;) {
      const page = await store.readAll({ after, maxCount: 10_000 })();
      if (E.isLeft(page)) throw new Error(JSON.stringify(page.left));
      storedIds.push(...page.right.events.map((e) => e.eventId));
      after = page.right.lastPosition;
      if (page.right.isEnd) break;
    }
    process.stderr.write(
      `relay kill test: ${storedIds.length} events stored, ${applied.size} applied, consumer stats ${JSON.stringify(consumer.stats())}, ${killedBeforeReady} kills before ready\n`,
    );

    expect(storedIds.length).toBeGreaterThan(TRIALS);
    expect(notStoredWhenSeen).toEqual([]);
    expect([...applied.keys()].sort()).toEqual([...storedIds].sort());
    expect([...applied.values()].filter((n) => n !== 1)).toEqual([]);
  },
  15 * 60_000,
);
