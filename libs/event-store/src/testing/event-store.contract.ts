/**
 * THE contract of the event store port: one suite, run against every adapter (memory,
 * SQLite, KurrentDB) so they cannot drift apart. Each test works in its own streams and
 * reads the global log from the head it saw first, so the suite also runs against a shared
 * server that holds earlier runs' events.
 */
import * as fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { deriveId, newEvent, RecordedEvent } from '@keel/events';
import { eventually, fill, left, prediction, right, sleep, META } from './event-store.fixtures';
import { ExpectedRevision } from '../lib/port';
import { TestableEventStore } from '../lib/raw-append.hook';

export interface ContractCapabilities {
  /** Event ids are unique across the store, not only within a stream (not so on EventStoreDB). */
  readonly globalEventIds: boolean;
}

export const describeEventStoreContract = (
  name: string,
  factory: () => Promise<TestableEventStore> | TestableEventStore,
  capabilities: ContractCapabilities = { globalEventIds: true },
): void => {
  describe(`EventStore contract: ${name}`, () => {
    let store: TestableEventStore;
    let run: string;
    let n = 0;
    /** A stream of category `venue`, unique to this run and test. */
    const venue = (): string => `venue-${run}-${++n}`;

    beforeEach(async () => {
      store = await factory();
      run = randomUUID().slice(0, 8);
    });
    afterEach(async () => {
      await store.close();
    });

    describe('append and expected revisions', () => {
      it('appends to a new stream and reads it back in order, with revisions, positions and recording time', async () => {
        const s = venue();
        const events = [fill(run, 1, 1), fill(run, 2, 2), fill(run, 3, 3)];
        const r = await right(store.append(s, events, 'noStream'));
        expect(r.nextExpectedRevision).toBe(2);
        const read = await right(store.readStream(s));
        expect(read.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
        expect(read.map((e) => e.streamRevision)).toEqual([0, 1, 2]);
        expect(read[2]!.globalPosition).toBe(r.position);
        expect(read[0]!.globalPosition).toBeLessThan(read[1]!.globalPosition);
        expect(read[0]).toMatchObject({
          ...META,
          stream: s,
          type: 'OrderFilled',
          schemaVersion: 1,
          data: events[0]!.data,
        });
        expect(read[0]!.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      });

      it('accepts a matching expected revision, and exists / any on an existing stream', async () => {
        const s = venue();
        await right(store.append(s, [fill(run, 1)], 'noStream'));
        expect((await right(store.append(s, [fill(run, 2)], 0))).nextExpectedRevision).toBe(1);
        expect((await right(store.append(s, [fill(run, 3)], 'exists'))).nextExpectedRevision).toBe(2);
        expect((await right(store.append(s, [fill(run, 4)], 'any'))).nextExpectedRevision).toBe(3);
        expect((await right(store.append(venue(), [fill(run, 5)], 'any'))).nextExpectedRevision).toBe(0);
      });

      it.each<[string, ExpectedRevision, boolean, string, string]>([
        ['a stale revision', 0, true, '0', '1'],
        ['a revision ahead', 5, true, '5', '1'],
        ['noStream on an existing stream', 'noStream', true, 'noStream', '1'],
        ['exists on an absent stream', 'exists', false, 'exists', 'noStream'],
        ['a revision on an absent stream', 0, false, '0', 'noStream'],
      ])(
        'rejects %s with a ConcurrencyError carrying expected and actual, writing nothing',
        async (_, expected, seed, exp, act) => {
          const s = venue();
          if (seed) await right(store.append(s, [fill(run, 1), fill(run, 2)], 'noStream'));
          const err = await left(store.append(s, [fill(run, 9)], expected));
          expect(err).toEqual({ _tag: 'ConcurrencyError', stream: s, expected: exp, actual: act });
          expect(await right(store.readStream(s))).toHaveLength(seed ? 2 : 0);
        },
      );

      it('lets exactly one of two writers with the same expected revision win', async () => {
        const s = venue();
        await right(store.append(s, [fill(run, 1)], 'noStream'));
        const [a, b] = await Promise.all([
          store.append(s, [fill(run, 2)], 0)(),
          store.append(s, [fill(run, 3)], 0)(),
        ]);
        expect([a._tag, b._tag].sort()).toEqual(['Left', 'Right']);
        expect(await right(store.readStream(s))).toHaveLength(2);
      });

      it('judges appends issued together on their own: one conflict fails only its append', async () => {
        const s1 = venue();
        const s2 = venue();
        const s3 = venue();
        await right(store.append(s2, [fill(run, 'x')], 'noStream'));
        const results = await Promise.all([
          store.append(s1, [fill(run, 1), fill(run, 2)], 'noStream')(),
          store.append(s2, [fill(run, 3)], 'noStream')(),
          store.append(s3, [fill(run, 4)], 'noStream')(),
        ]);
        expect(results.map((r) => r._tag)).toEqual(['Right', 'Left', 'Right']);
        expect(await right(store.readStream(s1))).toHaveLength(2);
        expect(await right(store.readStream(s2))).toHaveLength(1);
        expect(await right(store.readStream(s3))).toHaveLength(1);
      });
    });

    describe('idempotency and event ids', () => {
      it('treats re-appending the same events as a success that writes nothing', async () => {
        const s = venue();
        const events = [fill(run, 1), fill(run, 2)];
        const h0 = await right(store.headPosition());
        const first = await right(store.append(s, events, 'noStream'));
        expect(await right(store.append(s, events, 'noStream'))).toEqual(first);
        expect(await right(store.append(s, events, 'any'))).toEqual(first);
        expect(await right(store.readStream(s))).toHaveLength(2);
        const page = await right(store.readAll({ after: h0, filter: { streamCategories: ['venue'] } }));
        expect(page.events.filter((e) => e.stream === s)).toHaveLength(2);
      });

      it('rejects an event id reused for different content, naming the id', async () => {
        const s = venue();
        const original = fill(run, 1, 1);
        await right(store.append(s, [original], 'noStream'));
        const changed = { ...fill(run, 1, 2), eventId: original.eventId };
        const err = await left(store.append(s, [changed], 'any'));
        expect(err).toMatchObject({ _tag: 'ValidationError', path: '/eventId', value: original.eventId });
        expect(await right(store.readStream(s))).toHaveLength(1);
      });

      it('rejects an append that mixes stored and new events', async () => {
        const s = venue();
        const a = fill(run, 1);
        await right(store.append(s, [a], 'noStream'));
        const err = await left(store.append(s, [a, fill(run, 2)], 'any'));
        expect(err).toMatchObject({ _tag: 'ValidationError', path: '/eventId' });
        expect(await right(store.readStream(s))).toHaveLength(1);
      });

      (capabilities.globalEventIds ? it : it.skip)(
        'rejects an event id reused in another stream',
        async () => {
          const a = fill(run, 1);
          await right(store.append(venue(), [a], 'noStream'));
          const other = venue();
          const err = await left(store.append(other, [a], 'any'));
          expect(err).toMatchObject({ _tag: 'ValidationError', path: '/eventId', value: a.eventId });
          expect(await right(store.readStream(other))).toHaveLength(0);
        },
      );
    });

    describe('validation', () => {
      it('rejects an event whose data breaks its schema, naming the field path and value, and writes none of the append', async () => {
        const s = venue();
        const h0 = await right(store.headPosition());
        const good = fill(run, 1);
        const bad = { ...fill(run, 2), data: { ...fill(run, 2).data, qty: '-1' } } as typeof good;
        const err = await left(store.append(s, [good, bad], 'any'));
        expect(err).toMatchObject({ _tag: 'ValidationError', path: '/data/qty', value: '-1' });
        expect(err._tag === 'ValidationError' && err.message).toMatch(/event 1 \(OrderFilled/);
        expect(await right(store.readStream(s))).toEqual([]);
        expect(await right(store.headPosition())).toBe(h0);
      });

      it('rejects an unknown type, an old schema version, a bad envelope field and a non-UUID id', async () => {
        const s = venue();
        const e = fill(run, 1);
        const cases: [unknown, string][] = [
          [{ ...e, type: 'Nope' }, '/type'],
          [{ ...e, schemaVersion: 0 }, '/schemaVersion'],
          [{ ...e, occurredAt: 'yesterday' }, '/occurredAt'],
          [{ ...e, eventId: 'not-a-uuid' }, '/eventId'],
        ];
        for (const [event, path] of cases) {
          const err = await left(store.append(s, [event as typeof e], 'any'));
          expect(err).toMatchObject({ _tag: 'ValidationError', path });
        }
        expect(await left(store.append(s, [], 'any'))).toMatchObject({
          _tag: 'ValidationError',
          path: '/events',
        });
        expect(await left(store.append(s, [e, e], 'any'))).toMatchObject({
          _tag: 'ValidationError',
          path: '/eventId',
        });
        expect(await right(store.readStream(s))).toEqual([]);
      });
      it('rejects a string field over 4096 characters and event data over 512 KiB of JSON, naming the path', async () => {
        const s = venue();
        const made = (type: 'KillSwitchEngaged' | 'InstrumentsListed', key: string, data: unknown) => {
          const e = newEvent(type, deriveId(run, 'size', key), data as never, META);
          if (E.isLeft(e)) throw new Error(`fixture: ${e.left.path} ${e.left.message}`);
          return e.right;
        };
        const longReason = made('KillSwitchEngaged', 'reason', {
          scope: 'global',
          accountId: null,
          reason: 'x'.repeat(4097),
        });
        expect(await left(store.append(s, [longReason], 'any'))).toMatchObject({
          _tag: 'ValidationError',
          path: '/data/reason',
          message: expect.stringMatching(/longer than 4096 characters/),
        });
        // Each id is short; together they are over the limit.
        const accounts = Array.from({ length: 9000 }, (_, i) => `account-${String(i).padStart(52, '0')}`);
        const huge = made('InstrumentsListed', 'huge', {
          venue: 'sim',
          accountIds: accounts,
          instruments: [],
        });
        expect(await left(store.append(s, [huge], 'any'))).toMatchObject({
          _tag: 'ValidationError',
          path: '/data',
          message: expect.stringMatching(/larger than 524288 characters/),
        });
        // At the limits (4096 characters; a few hundred KiB) it is stored.
        const atLimit = made('KillSwitchEngaged', 'at-limit', {
          scope: 'global',
          accountId: null,
          reason: 'x'.repeat(4096),
        });
        const big = made('InstrumentsListed', 'big', {
          venue: 'sim',
          accountIds: accounts.slice(0, 4000),
          instruments: [],
        });
        await right(store.append(s, [atLimit, big], 'any'));
        expect(await right(store.readStream(s))).toHaveLength(2);
      });
    });

    describe('readStream', () => {
      it('reads forwards and backwards from a revision with a max count; an absent stream reads empty', async () => {
        const s = venue();
        await right(
          store.append(
            s,
            [0, 1, 2, 3, 4].map((i) => fill(run, i, i)),
            'noStream',
          ),
        );
        const revs = (es: readonly RecordedEvent[]): number[] => es.map((e) => e.streamRevision);
        expect(revs(await right(store.readStream(s, { fromRevision: 2 })))).toEqual([2, 3, 4]);
        expect(revs(await right(store.readStream(s, { fromRevision: 1, maxCount: 2 })))).toEqual([1, 2]);
        expect(revs(await right(store.readStream(s, { direction: 'backwards' })))).toEqual([4, 3, 2, 1, 0]);
        expect(
          revs(await right(store.readStream(s, { direction: 'backwards', fromRevision: 3, maxCount: 2 }))),
        ).toEqual([3, 2]);
        expect(revs(await right(store.readStream(s, { direction: 'backwards', maxCount: 1 })))).toEqual([4]);
        expect(await right(store.readStream(s, { fromRevision: 5 }))).toEqual([]);
        expect(await right(store.readStream(venue()))).toEqual([]);
      });
    });

    describe('readAll and headPosition', () => {
      it('reports the head as the position of the last appended event', async () => {
        await right(store.append(venue(), [fill(run, 1)], 'any'));
        const r = await right(store.append(venue(), [fill(run, 2), fill(run, 3)], 'any'));
        expect(await right(store.headPosition())).toBe(r.position);
      });

      it('reads the log from a position in pages, in order, ending at the head', async () => {
        const h0 = await right(store.headPosition());
        const streams = [venue(), venue()];
        for (let i = 0; i < 5; i++) await right(store.append(streams[i % 2]!, [fill(run, i, i)], 'any'));
        const seen: RecordedEvent[] = [];
        let after = h0;
        let pages = 0;
        for (;;) {
          const page = await right(store.readAll({ after, maxCount: 2 }));
          seen.push(...page.events);
          pages++;
          expect(page.lastPosition).toBeGreaterThanOrEqual(after);
          after = page.lastPosition;
          if (page.isEnd) break;
        }
        const mine = seen.filter((e) => streams.includes(e.stream));
        expect(mine.map((e) => e.data)).toEqual([0, 1, 2, 3, 4].map((i) => fill(run, i, i).data));
        expect(pages).toBeGreaterThanOrEqual(3);
        const positions = seen.map((e) => e.globalPosition);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        expect(new Set(positions).size).toBe(positions.length);
        expect(after).toBe(await right(store.headPosition()));
        expect(await right(store.readAll({ after }))).toMatchObject({ events: [], isEnd: true });
      });

      it('filters by stream category and by event type', async () => {
        const h0 = await right(store.headPosition());
        const v = venue();
        const p = `prediction-${run}-m1`;
        await right(store.append(v, [fill(run, 1)], 'any'));
        await right(store.append(p, [prediction(run, 1)], 'any'));
        await right(store.append(v, [fill(run, 2)], 'any'));
        const mine = (es: readonly RecordedEvent[]): string[] =>
          es.filter((e) => e.stream === v || e.stream === p).map((e) => e.stream);
        const byCat = await right(store.readAll({ after: h0, filter: { streamCategories: ['prediction'] } }));
        expect(mine(byCat.events)).toEqual([p]);
        expect(byCat.events.every((e) => e.stream.startsWith('prediction-'))).toBe(true);
        const byType = await right(store.readAll({ after: h0, filter: { eventTypes: ['OrderFilled'] } }));
        expect(mine(byType.events)).toEqual([v, v]);
        expect(byType.events.every((e) => e.type === 'OrderFilled')).toBe(true);
        const both = await right(
          store.readAll({
            after: h0,
            filter: { streamCategories: ['venue'], eventTypes: ['PredictionReceived'] },
          }),
        );
        expect(mine(both.events)).toEqual([]);
        expect(both.isEnd).toBe(true);
      });
    });

    describe('subscribeAll', () => {
      it('catches up then goes live, in order, each event once, including events appended while catching up', async () => {
        const h0 = await right(store.headPosition());
        const s = venue();
        for (let i = 0; i < 10; i++) await right(store.append(s, [fill(run, i, i)], 'any'));
        const got: RecordedEvent[] = [];
        const sub = store.subscribeAll({ after: h0, filter: { streamCategories: ['venue'] } }, async (e) => {
          if (e.stream !== s) return;
          got.push(e);
          await sleep(got.length % 3 === 0 ? 3 : 0); // slow handler: appends overtake it
        });
        for (let i = 10; i < 25; i++) {
          await right(store.append(s, [fill(run, i, i)], 'any'));
          if (i % 4 === 0) await sleep(2);
        }
        await right(store.append(s, [fill(run, 25, 25), fill(run, 26, 26)], 'any'));
        await eventually(() => got.length >= 27, 10_000, '27 events');
        await sleep(30);
        await sub.stop();
        expect(got.map((e) => e.streamRevision)).toEqual(Array.from({ length: 27 }, (_, i) => i));
        await right(store.append(s, [fill(run, 99)], 'any'));
        await sleep(30);
        expect(got).toHaveLength(27);
        await expect(sub.done).resolves.toBeUndefined();
      });

      it('delivers upcast events to a filtered subscription and ends done with a failing handler', async () => {
        const h0 = await right(store.headPosition());
        const got: RecordedEvent[] = [];
        const p = `prediction-${run}-m2`;
        const sub = store.subscribeAll({ after: h0, filter: { eventTypes: ['PredictionReceived'] } }, (e) => {
          if (e.stream === p) got.push(e);
        });
        await right(store.append(venue(), [fill(run, 1)], 'any'));
        await right(store.append(p, [prediction(run, 1, 0.7)], 'any'));
        await eventually(() => got.length === 1, 10_000, 'the prediction');
        expect(got[0]).toMatchObject({ type: 'PredictionReceived', data: { value: 0.7 } });
        await sub.stop();

        const failing = store.subscribeAll({ after: h0 }, () => {
          throw new Error('handler bug');
        });
        await expect(failing.done).rejects.toThrow('handler bug');
        await failing.stop();
      });
    });

    describe('snapshots', () => {
      it('saves, loads and overwrites a snapshot; an absent key loads null', async () => {
        const key = `app:contract-${run}`;
        expect(await right(store.loadSnapshot(key))).toBeNull();
        await right(
          store.saveSnapshot(key, { position: 3, version: 1, state: { total: '1.5', ids: ['a'] } }),
        );
        expect(await right(store.loadSnapshot(key))).toEqual({
          position: 3,
          version: 1,
          state: { total: '1.5', ids: ['a'] },
        });
        await right(store.saveSnapshot(key, { position: 9, version: 2, state: { total: '2' } }));
        expect(await right(store.loadSnapshot(key))).toEqual({
          position: 9,
          version: 2,
          state: { total: '2' },
        });
      });
    });

    describe('upcasting and undecodable history', () => {
      const v1 = (id: string) => ({
        ...META,
        eventId: id,
        type: 'PredictionReceived',
        schemaVersion: 1,
        data: {
          predictionId: 'p1',
          modelId: 'm1',
          symbol: 'BTCUSDT',
          signal: 0.25,
          asOf: '2023-06-01T00:00:00.000Z',
        },
      });

      it('reads an event stored at an old schema version as the current version', async () => {
        const s = `prediction-${run}-old`;
        const h0 = await right(store.headPosition());
        await right(store.appendRawUnchecked(s, [v1(randomUUID())]));
        const expected = {
          type: 'PredictionReceived',
          // v1 → v2 (renamed fields, no horizon) → v3 (no market marking) → v4 (`symbol` is
          // `instrument`) → v5 (a signal, no confidence, no expiry): every upcaster in turn.
          schemaVersion: 5,
          data: {
            predictionId: 'p1',
            modelId: 'm1',
            instrument: 'BTCUSDT',
            kind: 'signal',
            value: 0.25,
            confidence: null,
            ttlSec: null,
            generatedAt: '2023-06-01T00:00:00.000Z',
            horizonSec: null,
            market: null,
          },
        };
        expect(await right(store.readStream(s))).toMatchObject([expected]);
        const page = await right(store.readAll({ after: h0, filter: { streamCategories: ['prediction'] } }));
        expect(page.events.filter((e) => e.stream === s)).toMatchObject([expected]);
      });

      it('fails a read naming the position of an event that no longer decodes', async () => {
        const s = `prediction-${run}-bad`;
        const h0 = await right(store.headPosition());
        const r = await right(store.appendRawUnchecked(s, [{ ...v1(randomUUID()), schemaVersion: 2 }]));
        const err = await left(store.readAll({ after: h0 }));
        expect(err).toMatchObject({ _tag: 'ValidationError' });
        expect(err._tag === 'ValidationError' && err.message).toContain(`position ${r.position}`);
        const sub = store.subscribeAll({ after: h0 }, () => undefined);
        await expect(sub.done).rejects.toThrow(`position ${r.position}`);
      });
    });

    it('answers ping', async () => {
      await right(store.ping());
    });

    it('matches a simple model under random appends with expected revisions (property)', async () => {
      const op = fc.record({
        stream: fc.integer({ min: 0, max: 2 }),
        count: fc.integer({ min: 1, max: 3 }),
        expected: fc.oneof(
          fc.constantFrom<ExpectedRevision>('any', 'noStream', 'exists'),
          fc.integer({ min: 0, max: 5 }),
        ),
      });
      let k = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
          const streams = [venue(), venue(), venue()];
          const model = [-1, -1, -1];
          for (const o of ops) {
            const events = Array.from({ length: o.count }, () => fill(run, `p${++k}`, k));
            const current = model[o.stream]!;
            const ok =
              o.expected === 'any' ||
              (o.expected === 'noStream' && current < 0) ||
              (o.expected === 'exists' && current >= 0) ||
              o.expected === current;
            const r = await store.append(streams[o.stream]!, events, o.expected)();
            if (ok) {
              model[o.stream] = current + o.count;
              expect(r).toMatchObject({ _tag: 'Right', right: { nextExpectedRevision: current + o.count } });
            } else {
              expect(r).toMatchObject({
                _tag: 'Left',
                left: { _tag: 'ConcurrencyError', actual: current < 0 ? 'noStream' : String(current) },
              });
            }
          }
          for (let i = 0; i < 3; i++) {
            const read = await right(store.readStream(streams[i]!));
            expect(read.map((e) => e.streamRevision)).toEqual(
              Array.from({ length: model[i]! + 1 }, (_, j) => j),
            );
          }
        }),
        { numRuns: 15 },
      );
    });
  });
};
