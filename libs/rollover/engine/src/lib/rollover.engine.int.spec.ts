/**
 * The engine, run as the app runs it (`runEngine`), on the in-memory store and bus (real relay
 * between them) and a virtual clock, across the GCZ5 → GCG6 roll in Nov 2025 (roll start 11-20,
 * forced roll 11-25, alert 11-26): the optimizer asks for CME:GC +4 once; a tiny fake execution
 * turns each contract target into a PositionReported while the market is open (and always
 * carries a GCX5 position, a contract the calendar does not know). The engine is restarted
 * mid-roll (a new engine object on the same store).
 */
import * as E from 'fp-ts/Either';
import { marketState } from '@keel/calendar';
import { deriveId, newEvent, NewEvent, RecordedEvent } from '@keel/events';
import { createMemoryEventStore, EventStore } from '@keel/event-store';
import { createMemoryBus, EventBus } from '@keel/bus';
import { Relay, startRelay } from '@keel/relay';
import {
  createLogger,
  createMetrics,
  createVirtualClock,
  KeelMetrics,
  runEngine,
  VirtualClock,
} from '@keel/runtime';
import { createRolloverEngine, RolloverEngine } from './rollover.engine';
import { ct, gcSettings, unwrap } from '../testing/rollover-engine.fixtures';

const logger = createLogger({ name: 'spec', level: 'silent' });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const settings = gcSettings(5 * 60_000);

let store: EventStore;
let bus: EventBus;
let relay: Relay;
let clock: VirtualClock;
let metrics: KeelMetrics;
let app: Pick<RolloverEngine, 'position' | 'tick'> & { stop(): Promise<void> };

const start = async (): Promise<void> => {
  metrics = createMetrics('cme-rollover');
  const rollover = unwrap(createRolloverEngine({ store, clock, logger, metrics }, settings));
  const running = unwrap(
    await runEngine(rollover.engine, { store, bus, clock, logger, metrics }, { snapshotEvery: 1000 })(),
  );
  app = { position: rollover.position, tick: rollover.tick, stop: running.stop };
};

const head = async (): Promise<number> => unwrap(await store.headPosition()());
/** Until the app's state includes everything stored (every event here is of a type it folds). */
const quiesce = async (): Promise<void> => {
  for (let i = 0; i < 2000; i++) {
    if (app.position() >= (await head())) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`app stuck at ${app.position()}, head ${await head()}`);
};

const all = async (): Promise<RecordedEvent[]> =>
  unwrap(await store.readAll({ after: 0, maxCount: 100_000 })()).events as RecordedEvent[];
const mine = async (): Promise<RecordedEvent[]> => (await all()).filter((e) => e.producer === 'cme-rollover');

const append = async (stream: string, e: E.Either<unknown, NewEvent>): Promise<void> => {
  unwrap(await store.append(stream, [unwrap(e)], 'any')());
};
const meta = (producer: string, n: number) => ({
  correlationId: `spec-${n}`,
  causationId: null,
  producer,
  occurredAt: new Date(clock.now()).toISOString(),
});

/** Fake execution: contract targets become positions at once, but only while GC trades. */
let held: Record<string, number> = {};
let seenTargets = 0;
let snapshots = 0;
const execute = async (): Promise<void> => {
  const targets = (await mine()).filter(
    (e): e is RecordedEvent<'ContractTargetSet'> => e.type === 'ContractTargetSet',
  );
  const want = { ...held };
  for (const t of targets) want[t.data.instrument] = Number(t.data.targetQty);
  seenTargets = targets.length;
  const open = unwrap(marketState('GC', clock.now())).state === 'open';
  if (!open || Object.entries(want).every(([c, q]) => (held[c] ?? 0) === q)) return;
  held = want;
  snapshots++;
  const positions = [
    ...Object.entries(held)
      .filter(([, q]) => q !== 0)
      .map(([instrument, q]) => ({ instrument, qty: String(q), entryPrice: null })),
    { instrument: 'GCX5', qty: '1', entryPrice: null },
  ];
  await append(
    'venue-acc-1',
    newEvent(
      'PositionReported',
      deriveId('spec-snapshot', snapshots),
      { accountId: 'acc-1', venue: 'sim', positions },
      meta('gateway', snapshots),
    ),
  );
};

const runTo = async (until: number, each?: (now: number) => void): Promise<void> => {
  while (clock.now() < until) {
    const next = Math.min(until, clock.now() + 5 * 60_000);
    unwrap(await clock.runUntil(next));
    await quiesce();
    await execute();
    await quiesce();
    each?.(clock.now());
  }
};

const unknownReported = async (): Promise<number> =>
  (
    await metrics.registry.getSingleMetric('cme_rollover_unknown_contract_positions_total')?.get()
  )?.values.reduce((a, v) => a + v.value, 0) ?? 0;

beforeAll(async () => {
  store = createMemoryEventStore({ now: () => clock.now() });
  bus = createMemoryBus();
  relay = unwrap(await startRelay({ store, bus, logger: quiet }));
  clock = createVirtualClock(ct('2025-11-17', '10:00'));
  held = {};
  await start();
});

afterAll(async () => {
  await app.stop();
  await relay.stop();
  await bus.close();
  await store.close();
});

describe('cme-rollover across the GCZ5 → GCG6 roll (Nov 2025)', () => {
  let weekendTotals: number[] = [];

  it('maps the front and builds CME:GC +4 in GCZ5', async () => {
    await append(
      'portfolio-acc-1',
      newEvent(
        'TargetPositionSet',
        deriveId('spec-opt', 1),
        { accountId: 'acc-1', instrument: 'CME:GC', targetQty: '4', horizonSec: 3600, reason: 'spec' },
        meta('optimizer', 0),
      ),
    );
    await quiesce();
    await runTo(ct('2025-11-17', '11:00'));
    const events = await mine();
    expect(
      events.map((e) => [
        e.type,
        e.type === 'ContractTargetSet'
          ? `${e.data.instrument} ${e.data.targetQty}`
          : 'contract' in e.data
            ? e.data.contract
            : '',
      ]),
    ).toEqual([
      ['ContractMapped', 'GCZ5'],
      ['ContractTargetSet', 'GCZ5 4'],
    ]);
    expect(held).toEqual({ GCZ5: 4 });
  });

  it('reports the unknown GCX5 position once and never sets a target for it', async () => {
    expect(await unknownReported()).toBe(1);
    expect((await mine()).some((e) => e.type === 'ContractTargetSet' && e.data.instrument === 'GCX5')).toBe(
      false,
    );
  });

  it('schedules the roll on 11-20 and is flat in GC from 30 min before the Friday close', async () => {
    await runTo(ct('2025-11-23', '18:00'), (now) => {
      if (now >= ct('2025-11-21', '15:45') && now < ct('2025-11-21', '16:00'))
        weekendTotals.push(Object.values(held).reduce((a, b) => a + b, 0));
    });
    expect(weekendTotals.length).toBeGreaterThan(0);
    expect(weekendTotals.every((t) => t === 0)).toBe(true);
    const types = (await mine()).map((e) => e.type);
    expect(types).toContain('RollScheduled');
    const scheduled = (await mine()).find(
      (e): e is RecordedEvent<'RollScheduled'> => e.type === 'RollScheduled',
    );
    expect(scheduled?.data).toMatchObject({ root: 'GC', fromContract: 'GCZ5', toContract: 'GCG6' });
    // The Sunday reopen builds the next contract only.
    expect(held).toEqual({ GCZ5: 0, GCG6: 4 });
    weekendTotals = [];
  });

  it('a restart mid-roll (new instance, same store) emits nothing again', async () => {
    const before = (await all()).length;
    await app.stop();
    await start();
    unwrap(await app.tick());
    await quiesce();
    expect((await all()).length).toBe(before);
    expect(await unknownReported()).toBe(0);
  });

  it('completes the roll by the forced roll: GCZ5 0, GCG6 +4, RollCompleted, GCG6 mapped', async () => {
    await runTo(ct('2025-11-26', '12:00'));
    const events = await mine();
    const completed = events.find((e): e is RecordedEvent<'RollCompleted'> => e.type === 'RollCompleted');
    expect(completed?.data).toMatchObject({
      accountId: 'acc-1',
      root: 'GC',
      fromContract: 'GCZ5',
      toContract: 'GCG6',
    });
    expect(Date.parse(completed?.occurredAt ?? '')).toBeLessThan(ct('2025-11-26', '00:00'));
    const targets = events.filter(
      (e): e is RecordedEvent<'ContractTargetSet'> => e.type === 'ContractTargetSet',
    );
    const last = (c: string) => [...targets].reverse().find((t) => t.data.instrument === c)?.data.targetQty;
    expect([last('GCZ5'), last('GCG6')]).toEqual(['0', '4']);
    expect(held).toEqual({ GCZ5: 0, GCG6: 4 });
    // The lifecycle, in order, once each.
    const lifecycle = events
      .filter((e) => e.type !== 'ContractTargetSet')
      .map(
        (e) =>
          `${e.type} ${'contract' in e.data ? e.data.contract : 'toContract' in e.data ? e.data.toContract : ''}`,
      );
    expect(lifecycle).toEqual([
      'ContractMapped GCZ5',
      'RollScheduled GCG6',
      'RollCompleted GCG6',
      'ContractMapped GCG6',
    ]);
    // No target repeats the previous one for its contract (nothing emitted twice).
    for (const c of ['GCZ5', 'GCG6']) {
      const qs = targets.filter((t) => t.data.instrument === c).map((t) => t.data.targetQty);
      expect(qs.every((q, i) => i === 0 || q !== qs[i - 1])).toBe(true);
    }
    expect(targets.every((t) => /^roll (exposure|rollNew|migration)/.test(t.data.reason))).toBe(true);
    expect(seenTargets).toBe(targets.length);
  });
});
