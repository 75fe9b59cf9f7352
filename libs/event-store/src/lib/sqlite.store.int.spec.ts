import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { ExpectedRevision } from './port';
import { RecordedEvent } from '@keel/events';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { eventually, fill, left, right } from '../testing/event-store.fixtures';
import { TestableEventStore } from './raw-append.hook';
import { openSqliteEventStore, SqliteEventStoreOptions } from './sqlite.store';

const WORKSPACE = path.resolve(__dirname, '../../../..');
let dir: string;
let files = 0;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-sqlite-store-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const open = (opts: Partial<SqliteEventStoreOptions> = {}): TestableEventStore => {
  const r = openSqliteEventStore({
    path: path.join(dir, `store-${++files}.db`),
    pollIntervalMs: 10,
    ...opts,
  });
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

describeEventStoreContract('sqlite', () => open());

describe('sqlite store', () => {
  it('writes appends issued in the same turn in one transaction (group commit), each judged on its own', async () => {
    let calls = 0;
    const store = open({ now: () => Date.UTC(2024, 0, 1) + ++calls });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.append(`venue-g${i % 5}`, [fill('g', i, i)], i < 5 ? 'noStream' : 0)(),
      ),
    );
    // Streams 0-4 are created by the first five; the rest expected revision 0 of the same
    // streams: the first of each wins, later ones conflict (their predecessor moved the stream).
    expect(results.filter(E.isRight)).toHaveLength(10);
    expect(results.filter((r) => E.isLeft(r) && r.left._tag === 'ConcurrencyError')).toHaveLength(10);
    const page = await right(store.readAll());
    expect(page.events).toHaveLength(10);
    expect(new Set(page.events.map((e) => e.recordedAt)).size).toBe(1);
    expect(calls).toBe(1);
    await store.close();
  });

  it('applies appends issued in the same turn as if one after another, in issue order (property)', async () => {
    const store = open();
    let run = 0;
    let k = 0;
    const op = fc.record({
      stream: fc.integer({ min: 0, max: 2 }),
      count: fc.integer({ min: 1, max: 3 }),
      expected: fc.oneof(
        fc.constantFrom<ExpectedRevision>('any', 'noStream', 'exists'),
        fc.integer({ min: 0, max: 6 }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 20 }), async (ops) => {
        run++;
        const streams = [0, 1, 2].map((i) => `venue-prop${run}x${i}`);
        const model = [-1, -1, -1];
        const expectedTags = ops.map((o) => {
          const current = model[o.stream]!;
          const ok =
            o.expected === 'any' ||
            (o.expected === 'noStream' && current < 0) ||
            (o.expected === 'exists' && current >= 0) ||
            o.expected === current;
          if (ok) model[o.stream] = current + o.count;
          return ok ? 'Right' : 'Left';
        });
        // All issued in one turn: one group-commit transaction, each append judged on its own.
        const results = await Promise.all(
          ops.map((o) =>
            store.append(
              streams[o.stream]!,
              Array.from({ length: o.count }, () => fill('prop', ++k, k)),
              o.expected,
            )(),
          ),
        );
        expect(results.map((r) => r._tag)).toEqual(expectedTags);
        for (let i = 0; i < 3; i++)
          expect((await right(store.readStream(streams[i]!))).map((e) => e.streamRevision)).toEqual(
            Array.from({ length: model[i]! + 1 }, (_, j) => j),
          );
        const page = await right(store.readAll({ maxCount: 100_000 }));
        const positions = page.events.map((e) => e.globalPosition);
        expect(positions).toEqual(Array.from({ length: positions.length }, (_, i) => i + 1));
      }),
      { numRuns: 40 },
    );
    await store.close();
  });

  it('keeps every acknowledged event and snapshot across close and reopen', async () => {
    const file = path.join(dir, 'durable.db');
    const first = openSqliteEventStore({ path: file });
    if (E.isLeft(first)) throw new Error(first.left.message);
    const a = await right(first.right.append('venue-d', [fill('d', 1), fill('d', 2)], 'noStream'));
    await right(first.right.saveSnapshot('app:d', { position: a.position, version: 1, state: { n: 2 } }));
    await first.right.close();
    const again = openSqliteEventStore({ path: file });
    if (E.isLeft(again)) throw new Error(again.left.message);
    expect((await right(again.right.readStream('venue-d'))).map((e) => e.eventId)).toEqual([
      fill('d', 1).eventId,
      fill('d', 2).eventId,
    ]);
    expect(await right(again.right.loadSnapshot('app:d'))).toEqual({
      position: a.position,
      version: 1,
      state: { n: 2 },
    });
    expect(await right(again.right.append('venue-d', [fill('d', 3)], 1))).toMatchObject({
      nextExpectedRevision: 2,
    });
    await again.right.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('has one identity per file: the same after a reopen, another for another file', async () => {
    const file = path.join(dir, 'identity.db');
    const first = openSqliteEventStore({ path: file });
    if (E.isLeft(first)) throw new Error(first.left.message);
    const id = await right(first.right.identity());
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(await right(first.right.identity())).toBe(id);
    await first.right.close();
    const again = openSqliteEventStore({ path: file });
    if (E.isLeft(again)) throw new Error(again.left.message);
    expect(await right(again.right.identity())).toBe(id);
    await again.right.close();
    const other = openSqliteEventStore({ path: path.join(dir, 'identity-other.db') });
    if (E.isLeft(other)) throw new Error(other.left.message);
    expect(await right(other.right.identity())).not.toBe(id);
    await other.right.close();
  });

  it('refuses a file written by a newer layout', () => {
    const file = path.join(dir, 'newer.db');
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(openSqliteEventStore({ path: file })).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'InfrastructureError', op: 'open' },
    });
  });

  it('fails appends after close with an InfrastructureError', async () => {
    const store = open();
    await store.close();
    expect(await left(store.append('venue-x', [fill('x', 1)], 'any'))).toMatchObject({
      _tag: 'InfrastructureError',
    });
  });

  it('shares one file between processes: a subscriber sees every event of both writers once, in order', async () => {
    const file = path.join(dir, 'shared.db');
    const store = open({ path: file, pollIntervalMs: 10 });
    const run = `r${Date.now()}`;
    const got: RecordedEvent[] = [];
    const sub = store.subscribeAll({ after: 0 }, (e) => {
      got.push(e);
    });
    const CHILD = 150;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(__dirname, '..', 'testing', 'sqlite-writer.fixture.ts'),
        file,
        String(CHILD),
        run,
      ],
      {
        cwd: WORKSPACE,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // The parent writes at the same time, so the two processes' commits interleave.
    const PARENT = 100;
    await eventually(() => got.length > 0 || out.length > 0, 20_000, 'the child to start writing');
    for (let i = 0; i < PARENT; i++) {
      await right(
        store.append(`venue-parent-${run}`, [fill(`parent-${run}`, i, i)], i === 0 ? 'noStream' : i - 1),
      );
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    expect(await exited).toBe(0);
    expect(out).toContain('done');
    await eventually(() => got.length >= CHILD + PARENT, 10_000, 'all events');
    await new Promise((r) => setTimeout(r, 50));
    await sub.stop();
    expect(got).toHaveLength(CHILD + PARENT);
    const positions = got.map((e) => e.globalPosition);
    expect(positions).toEqual(Array.from({ length: CHILD + PARENT }, (_, i) => i + 1));
    const revs = (s: string): number[] => got.filter((e) => e.stream === s).map((e) => e.streamRevision);
    expect(revs(`venue-child-${run}`)).toEqual(Array.from({ length: CHILD }, (_, i) => i));
    expect(revs(`venue-parent-${run}`)).toEqual(Array.from({ length: PARENT }, (_, i) => i));
    await store.close();
  }, 60_000);
});
