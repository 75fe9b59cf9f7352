/**
 * The command handler on the real in-memory store: decide on the folded stream, append at the
 * revision decided on; a write by someone else in between makes it re-read and decide again;
 * a store outage is waited out (or, with a budget, returned once the budget is spent); a
 * refusal stores nothing; a bounded cache drops the least recently used stream and reads it
 * again when needed; with snapshots, a load starts from the latest usable one and folds only what
 * came after it, and a snapshot that cannot be saved loses nothing. And the ticker's grid.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { deriveId, infrastructureError, newEvent, NewEvent } from '@keel/events';
import { createMemoryEventStore, EventStore } from '@keel/event-store';
import { createRealClock, createVirtualClock, VirtualClock } from '@keel/clock';
import { AggregateSnapshots, createCommandHandler, CommandHandlerOptions } from './command.handler';
import { nextGridInstant } from './ticker';

const STREAM = 'control-spec';
const event = (n: number): NewEvent => {
  const e = newEvent(
    'KillSwitchEngaged',
    deriveId('handler-spec', String(n)),
    { scope: 'global', accountId: null, reason: `n=${n}` },
    { correlationId: 'spec', causationId: null, producer: 'spec', occurredAt: '2026-01-01T00:00:00.000Z' },
  );
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

/** State: how many events the stream holds. Decision: append the next one, up to `max`. */
const handlerOn = (store: EventStore, onConflict?: () => void) =>
  createCommandHandler<number>({
    store,
    clock: createRealClock(),
    retry: { initialMs: 1, maxMs: 2 },
    fold: { initial: () => 0, evolve: (n) => E.right(n + 1) },
    ...(onConflict ? { onConflict } : {}),
  });
const next = (max: number) => (n: number) =>
  n >= max ? E.left({ _tag: 'Full' as const, n }) : E.right({ events: [event(n)], state: n + 1 });

describe('command handler', () => {
  it('appends what was decided at the revision decided on, and keeps the aggregate', async () => {
    const store = createMemoryEventStore();
    const h = handlerOn(store);
    const r1 = await h.handle(STREAM, next(5))();
    const r2 = await h.handle(STREAM, next(5))();
    expect([r1, r2].map((r) => E.isRight(r) && [r.right.state, r.right.revision])).toEqual([
      [1, 0],
      [2, 1],
    ]);
    expect(h.cached(STREAM)).toBe(2);
  });

  it('re-reads and decides again when another writer appended in between', async () => {
    const store = createMemoryEventStore();
    let conflicts = 0;
    const h = handlerOn(store, () => conflicts++);
    await h.handle(STREAM, next(5))();
    // Another writer appends an event of its own behind this handler's back.
    expect(E.isRight(await store.append(STREAM, [event(100)], 0)())).toBe(true);
    const r = await h.handle(STREAM, next(5))();
    expect(conflicts).toBe(1);
    expect(E.isRight(r) && r.right.state).toBe(3);
    const stored = await store.readStream(STREAM)();
    expect(E.isRight(stored) && stored.right.map((e) => (e.data as { reason: string }).reason)).toEqual([
      'n=0',
      'n=100',
      'n=2',
    ]);
  });

  it('returns the decider refusal and stores nothing', async () => {
    const store = createMemoryEventStore();
    const h = handlerOn(store);
    const r = await h.handle(STREAM, next(0))();
    expect(r).toEqual(E.left({ _tag: 'Full', n: 0 }));
    expect(await store.headPosition()()).toEqual(E.right(0));
  });

  it('waits out a store outage instead of failing the command', async () => {
    const inner = createMemoryEventStore();
    let failures = 2;
    const flaky: EventStore = {
      ...inner,
      append: (s, es, exp) =>
        failures-- > 0
          ? TE.left(infrastructureError('store', 'append', 'unreachable'))
          : inner.append(s, es, exp),
    };
    const h = handlerOn(flaky);
    const r = await h.handle(STREAM, next(5))();
    expect(E.isRight(r) && r.right.revision).toBe(0);
    expect(failures).toBe(-1);
  });
});

/** An event of its own per (stream, n): event ids must not collide across streams. */
const eventOn = (stream: string, n: number): NewEvent => {
  const e = newEvent(
    'KillSwitchEngaged',
    deriveId('handler-spec', stream, String(n)),
    { scope: 'global', accountId: null, reason: `${stream} n=${n}` },
    { correlationId: 'spec', causationId: null, producer: 'spec', occurredAt: '2026-01-01T00:00:00.000Z' },
  );
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
const nextOn =
  (stream: string, max = 100) =>
  (n: number) =>
    n >= max ? E.left({ _tag: 'Full' as const, n }) : E.right({ events: [eventOn(stream, n)], state: n + 1 });

/** The memory store, noting every stream read (a fold reads its stream once per load). */
const readsNoted = () => {
  const inner = createMemoryEventStore();
  const reads: string[] = [];
  const store: EventStore = {
    ...inner,
    readStream: (stream, options) => {
      reads.push(stream);
      return inner.readStream(stream, options);
    },
  };
  return { inner, store, reads };
};

const countingHandler = (store: EventStore, extra: Partial<CommandHandlerOptions<number>> = {}) =>
  createCommandHandler<number>({
    store,
    clock: createRealClock(),
    retry: { initialMs: 1, maxMs: 2 },
    fold: { initial: () => 0, evolve: (n) => E.right(n + 1) },
    ...extra,
  });

describe('command handler cache (maxCached)', () => {
  it('drops the least recently used stream, not the oldest: a, b, a, c with room for 2 drops b', async () => {
    const { store } = readsNoted();
    const h = countingHandler(store, { maxCached: 2 });
    for (const s of ['a', 'b', 'a', 'c']) expect(E.isRight(await h.handle(s, nextOn(s))())).toBe(true);
    expect(h.cached('b')).toBeUndefined();
    expect(h.cached('a')).toBe(2);
    expect(h.cached('c')).toBe(1);
    expect([...h.all().keys()].sort()).toEqual(['a', 'c']);
  });

  it('counts a load of a cached stream as a use, without reading the store', async () => {
    const { store, reads } = readsNoted();
    const h = countingHandler(store, { maxCached: 2 });
    await h.handle('a', nextOn('a'))();
    await h.handle('b', nextOn('b'))();
    expect(await h.load('a')()).toEqual(E.right({ state: 1, revision: 0 }));
    await h.handle('c', nextOn('c'))();
    expect(h.cached('a')).toBe(1);
    expect(h.cached('b')).toBeUndefined();
    expect(reads).toEqual(['a', 'b', 'c']);
  });

  it('reads an evicted stream again on its next handle, and the decision sees its stored events', async () => {
    const { store, reads } = readsNoted();
    const h = countingHandler(store, { maxCached: 2 });
    for (const s of ['a', 'b', 'a', 'c']) await h.handle(s, nextOn(s))();
    expect(reads).toEqual(['a', 'b', 'c']);
    const seen: number[] = [];
    const r = await h.handle('b', (n, revision) => {
      seen.push(n, revision);
      return nextOn('b')(n);
    })();
    // Decided on b's one stored event (state 1 at revision 0), not on an empty stream.
    expect(seen).toEqual([1, 0]);
    expect(E.isRight(r) && [r.right.state, r.right.revision]).toEqual([2, 1]);
    expect(reads).toEqual(['a', 'b', 'c', 'b']);
    const stored = await store.readStream('b')();
    expect(E.isRight(stored) && stored.right.map((e) => (e.data as { reason: string }).reason)).toEqual([
      'b n=0',
      'b n=1',
    ]);
  });

  it('reads an evicted stream again on its next load, with what others appended meanwhile', async () => {
    const { store, inner, reads } = readsNoted();
    const h = countingHandler(store, { maxCached: 1 });
    await h.handle('a', nextOn('a'))();
    await h.handle('b', nextOn('b'))(); // a is dropped
    expect(h.cached('a')).toBeUndefined();
    // Someone else appends to a while it is out of the cache.
    expect(E.isRight(await inner.append('a', [eventOn('a', 100)], 0)())).toBe(true);
    expect(await h.load('a')()).toEqual(E.right({ state: 2, revision: 1 }));
    expect(reads).toEqual(['a', 'b', 'a']);
    expect(h.cached('a')).toBe(2);
    expect(h.cached('b')).toBeUndefined();
  });

  it('keeps every stream without a bound (the default)', async () => {
    const { store, reads } = readsNoted();
    const h = countingHandler(store);
    const streams = Array.from({ length: 50 }, (_, i) => `s${i}`);
    for (const s of streams) await h.handle(s, nextOn(s))();
    for (const s of streams) await h.handle(s, nextOn(s))();
    expect(h.all().size).toBe(50);
    expect(streams.every((s) => h.cached(s) === 2)).toBe(true);
    // Each stream was read once: the second round came from the cache.
    expect(reads).toHaveLength(50);
  });
});

describe('command handler outage budget (outageBudgetMs)', () => {
  const T0 = Date.parse('2026-01-01T00:00:00.000Z');
  const RETRY = { initialMs: 100, maxMs: 400 };

  /** The memory store, its appends unreachable the first `failures` times; notes when each append came. */
  const unreachable = (clock: VirtualClock, failures: number) => {
    const inner = createMemoryEventStore();
    const outage = { failuresLeft: failures, appendsAt: [] as number[] };
    const store: EventStore = {
      ...inner,
      append: (s, es, exp) => {
        outage.appendsAt.push(clock.now() - T0);
        if (outage.failuresLeft <= 0) return inner.append(s, es, exp);
        outage.failuresLeft--;
        return TE.left(infrastructureError('store', 'append', 'unreachable'));
      },
    };
    return { store, inner, outage };
  };

  const handlerOnClock = (clock: VirtualClock, store: EventStore, outageBudgetMs?: number) =>
    createCommandHandler<number>({
      store,
      clock,
      retry: RETRY,
      fold: { initial: () => 0, evolve: (n) => E.right(n + 1) },
      ...(outageBudgetMs === undefined ? {} : { outageBudgetMs }),
    });

  /** Runs a command to its end, moving the virtual clock to each back-off as the handler reaches it. */
  const runOn = async <A>(clock: VirtualClock, task: Promise<A>): Promise<A> => {
    let result: { readonly value: A } | undefined;
    void task.then((value) => {
      result = { value };
    });
    for (let turn = 0; turn < 10_000 && result === undefined; turn++) {
      await new Promise((r) => setImmediate(r));
      if (result === undefined && clock.pending() > 0) await clock.runNext();
    }
    if (result === undefined) throw new Error('the command did not finish');
    return result.value;
  };

  it('without a budget, waits out an outage however long it lasts, then appends', async () => {
    const clock = createVirtualClock(T0);
    const { store, inner, outage } = unreachable(clock, 20);
    const h = handlerOnClock(clock, store);
    const r = await runOn(clock, h.handle('stream-x', nextOn('stream-x'))());
    expect(E.isRight(r) && r.right.revision).toBe(0);
    expect(outage.appendsAt).toHaveLength(21);
    // 100, 200, then 400 ms per retry: 7.5 s of outage on the clock, far past any 1 s budget.
    expect(clock.now() - T0).toBe(100 + 200 + 18 * 400);
    expect(await inner.headPosition()()).toEqual(E.right(1));
  });

  it('with a budget, returns the outage once the clock has passed the budget, having stored nothing', async () => {
    const clock = createVirtualClock(T0);
    const { store, inner, outage } = unreachable(clock, Infinity);
    const h = handlerOnClock(clock, store, 1000);
    const r = await runOn(clock, h.handle('stream-x', nextOn('stream-x'))());
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'InfrastructureError', op: 'append' });
    // Retries at the back-off's instants; the first at or past 1000 ms is the last.
    expect(outage.appendsAt).toEqual([0, 100, 300, 700, 1100]);
    expect(clock.now() - T0).toBe(1100);
    // It does not go on retrying behind the caller's back.
    expect(clock.pending()).toBe(0);
    expect(await inner.headPosition()()).toEqual(E.right(0));
    expect(h.cached('stream-x')).toBe(0);
  });

  it.each([
    [1, [0, 100]],
    [300, [0, 100, 300]],
    [301, [0, 100, 300, 700]],
    [700, [0, 100, 300, 700]],
  ])('with a budget of %i ms, gives up at the first failure at or past it', async (budget, appendsAt) => {
    const clock = createVirtualClock(T0);
    const { store, outage } = unreachable(clock, Infinity);
    const h = handlerOnClock(clock, store, budget);
    const r = await runOn(clock, h.handle('stream-x', nextOn('stream-x'))());
    expect(E.isLeft(r) && r.left._tag).toBe('InfrastructureError');
    expect(outage.appendsAt).toEqual(appendsAt);
  });

  it('with a budget, still waits out an outage shorter than the budget', async () => {
    const clock = createVirtualClock(T0);
    const { store, outage } = unreachable(clock, 3);
    const h = handlerOnClock(clock, store, 1000);
    const r = await runOn(clock, h.handle('stream-x', nextOn('stream-x'))());
    expect(E.isRight(r) && [r.right.state, r.right.revision]).toEqual([1, 0]);
    expect(outage.appendsAt).toEqual([0, 100, 300, 700]);
  });

  it('gives each command a budget of its own, counted from its first append', async () => {
    const clock = createVirtualClock(T0);
    // Five failures spend the first command's budget; two more meet the retry.
    const { store, outage } = unreachable(clock, 7);
    const h = handlerOnClock(clock, store, 1000);
    const first = await runOn(clock, h.handle('stream-x', nextOn('stream-x'))());
    expect(E.isLeft(first)).toBe(true);
    // The clock moves on before the caller retries; the store is still down for 2 appends.
    expect(E.isRight(clock.advanceBy(60_000))).toBe(true);
    outage.appendsAt.length = 0;
    const retried = await runOn(clock, h.handle('stream-x', nextOn('stream-x'))());
    expect(E.isRight(retried) && retried.right.revision).toBe(0);
    expect(outage.appendsAt).toEqual([61_100, 61_200, 61_400]);
  });
});

describe('ticker grid', () => {
  it('is the epoch multiples of the period plus the phase, strictly after now', () => {
    expect(nextGridInstant(0, 1000)).toBe(1000);
    expect(nextGridInstant(1000, 1000)).toBe(2000);
    expect(nextGridInstant(1999, 1000, 500)).toBe(2500);
    expect(nextGridInstant(2500, 1000, 500)).toBe(3500);
    expect(nextGridInstant(2499, 1000, 500)).toBe(2500);
  });
});

describe('command handler snapshots', () => {
  /** A handler whose state is the event count, snapshotted every `every`; `folded` counts evolve calls. */
  const snapshotting = (store: EventStore, over: Partial<AggregateSnapshots<number>> = {}) => {
    const counts = { folded: 0 };
    const h = countingHandler(store, {
      fold: {
        initial: () => 0,
        evolve: (n) => {
          counts.folded++;
          return E.right(n + 1);
        },
      },
      snapshots: {
        version: 1,
        every: 3,
        encode: (n) => ({ n }),
        decode: (j) => {
          const n = (j as { n?: unknown }).n;
          return typeof n === 'number' ? n : null;
        },
        ...over,
      },
    });
    return { h, counts };
  };
  const handleTimes = async (h: ReturnType<typeof countingHandler>, stream: string, times: number) => {
    for (let i = 0; i < times; i++) expect(E.isRight(await h.handle(stream, nextOn(stream))())).toBe(true);
  };

  it('saves the state every `every` events; a new handler starts from the latest and folds only what came after', async () => {
    const store = createMemoryEventStore();
    await handleTimes(snapshotting(store).h, 'a', 7);
    // Saved after revisions 2 and 5 (three events each); the 7th event (revision 6) is after it.
    expect(await store.loadSnapshot('a')()).toEqual(E.right({ position: 5, version: 1, state: { n: 6 } }));
    const fresh = snapshotting(store);
    expect(await fresh.h.load('a')()).toEqual(E.right({ state: 7, revision: 6 }));
    expect(fresh.counts.folded).toBe(1);
    // It decides on that state as the full fold would: the next event is the 8th, at revision 7.
    const r = await fresh.h.handle('a', nextOn('a'))();
    expect(E.isRight(r) && [r.right.state, r.right.revision]).toEqual([8, 7]);
  });

  it('folds from the start when the snapshot is of another version or does not decode', async () => {
    const store = createMemoryEventStore();
    await handleTimes(snapshotting(store).h, 'a', 7);
    const newer = snapshotting(store, { version: 2 });
    expect(await newer.h.load('a')()).toEqual(E.right({ state: 7, revision: 6 }));
    expect(newer.counts.folded).toBe(7);
    const unusable = snapshotting(store, { decode: () => null });
    expect(await unusable.h.load('a')()).toEqual(E.right({ state: 7, revision: 6 }));
    expect(unusable.counts.folded).toBe(7);
  });

  it('saves one when it loads a long stream folded from its start', async () => {
    const store = createMemoryEventStore();
    await handleTimes(countingHandler(store), 'a', 5);
    expect(await store.loadSnapshot('a')()).toEqual(E.right(null));
    await snapshotting(store).h.load('a')();
    expect(await store.loadSnapshot('a')()).toEqual(E.right({ position: 4, version: 1, state: { n: 5 } }));
  });

  it('loses nothing when a snapshot cannot be saved, and tries again `every` events later', async () => {
    const inner = createMemoryEventStore();
    let tries = 0;
    const store: EventStore = {
      ...inner,
      saveSnapshot: () => {
        tries++;
        return TE.left(infrastructureError('store', 'saveSnapshot', 'unreachable'));
      },
    };
    const failed: string[] = [];
    const { h } = snapshotting(store, { onSaveFailed: (s) => failed.push(s) });
    await handleTimes(h, 'a', 7);
    expect(h.cached('a')).toBe(7);
    expect([tries, failed]).toEqual([2, ['a', 'a']]);
    expect(await snapshotting(inner).h.load('a')()).toEqual(E.right({ state: 7, revision: 6 }));
  });
});
