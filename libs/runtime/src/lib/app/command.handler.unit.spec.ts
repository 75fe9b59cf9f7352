/**
 * The command handler on the real in-memory store: decide on the folded stream, append at the
 * revision decided on; a write by someone else in between makes it re-read and decide again;
 * a store outage is waited out; a refusal stores nothing. And the ticker's grid.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { deriveId, infrastructureError, newEvent, NewEvent } from '@keel/events';
import { createMemoryEventStore, EventStore } from '@keel/event-store';
import { createRealClock } from '@keel/clock';
import { createCommandHandler } from './command.handler';
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

describe('ticker grid', () => {
  it('is the epoch multiples of the period plus the phase, strictly after now', () => {
    expect(nextGridInstant(0, 1000)).toBe(1000);
    expect(nextGridInstant(1000, 1000)).toBe(2000);
    expect(nextGridInstant(1999, 1000, 500)).toBe(2500);
    expect(nextGridInstant(2500, 1000, 500)).toBe(3500);
    expect(nextGridInstant(2499, 1000, 500)).toBe(2500);
  });
});
