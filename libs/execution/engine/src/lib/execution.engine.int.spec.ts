/**
 * The execution engine as the runtime runs it (runEngine: replay, consume, started, ticks) on
 * the in-memory store, bus and relay under a virtual clock, fed the facts other apps record:
 * the gateway's instrument rules, a position snapshot and a quote; then targets as the optimizer
 * writes them. Shows: a target of an owned account starts a parent order and its first tick
 * sends a child as of the tick's instant; a target of an account it does not trade for is
 * rejected and stored, nothing sent; a kill switch pauses the working parent at once, and so
 * does the optimizer's risk state HALTED; the optimizer's flatten answer to a kill switch lifts
 * its pause at once; the operator's stopped trading session pauses the working parent at once,
 * holds a new target back (no parent order), and a started session resumes and takes it up; a
 * parent order that ends at its deadline short is followed up once its child is closed, as
 * often as the settings allow.
 */
import * as E from 'fp-ts/Either';
import { Registry } from 'prom-client';
import { deriveId, EventData, EventType, newEvent, NewEvent, RecordedEvent } from '@keel/events';
import { createMemoryEventStore, EventStore } from '@keel/event-store';
import { createMemoryBus, EventBus } from '@keel/bus';
import { Relay, startRelay } from '@keel/relay';
import { createLogger, createVirtualClock, runEngine, RunningEngine, VirtualClock } from '@keel/runtime';
import { BINANCE_USDM_BTCUSDT, instrumentToStored } from '@keel/instruments';
import { executionStream, ExecutionView, parentOrderIdFor } from '@keel/execution-domain';
import { createExecutionEngine, ExecutionEngine } from './execution.engine';
import { HELD_SNAPSHOT_VERSION } from './execution.snapshot';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const SYMBOL = BINANCE_USDM_BTCUSDT.symbol;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

let clock: VirtualClock;
let store: EventStore;
let bus: EventBus;
let relay: Relay;
let execution: ExecutionEngine;
let running: RunningEngine<ExecutionView>;

const fact = <T extends EventType>(
  type: T,
  stream: string,
  tag: string,
  data: EventData<T>,
  producer = 'gateway',
) => {
  const e = newEvent(type, deriveId('engine-spec', type, tag), data, {
    correlationId: tag,
    causationId: null,
    producer,
    occurredAt: new Date(clock.now()).toISOString(),
  });
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return { stream, event: e.right as NewEvent };
};
const append = async (...facts: { stream: string; event: NewEvent }[]): Promise<void> => {
  for (const f of facts) {
    const r = await store.append(f.stream, [f.event], 'any')();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  }
};
const streamOf = async (stream: string): Promise<RecordedEvent[]> => {
  const r = await store.readStream(stream)();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return [...r.right];
};
const eventually = async (what: string, cond: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never: ${what}`);
};
const types = (es: readonly RecordedEvent[]): string[] => es.map((e) => e.type);

/**
 * An execution process on the store: a new one folds what the last one stored, from its latest
 * aggregate snapshot (every 4 events here) or, with 0, from the start of each stream.
 */
const startExecution = async (aggregateSnapshotEvery = 4): Promise<void> => {
  const logger = createLogger({ name: 'spec', level: 'silent' });
  execution = createExecutionEngine(
    { store, clock, logger, registry: new Registry() },
    {
      accounts: ['acc-1'],
      sliceMs: 10_000,
      maxSlices: 10,
      tickMs: 1000,
      quoteMaxAgeMs: 10_000,
      followUp: { attempts: 1, horizonMs: 20_000 },
      aggregateSnapshotEvery,
    },
  );
  const started = await runEngine(execution.engine, { store, bus, clock, logger }, { snapshotEvery: 1000 })();
  if (E.isLeft(started)) throw new Error(JSON.stringify(started.left));
  running = started.right;
};
const restartExecution = async (aggregateSnapshotEvery?: number): Promise<void> => {
  await running.stop();
  await startExecution(aggregateSnapshotEvery);
};

beforeEach(async () => {
  clock = createVirtualClock(T0);
  store = createMemoryEventStore({ now: () => clock.now() });
  bus = createMemoryBus();
  const r = await startRelay({ store, bus, logger: quiet });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  relay = r.right;
  await startExecution();
  // What the gateway records: its rules, the account's (empty) positions and the touch.
  await append(
    fact('InstrumentsListed', 'venue-sim', 'rules', {
      venue: 'sim',
      accountIds: ['acc-1', 'acc-2'],
      instruments: [instrumentToStored(BINANCE_USDM_BTCUSDT)],
    }),
    fact('PositionReported', 'venue-acc-1', 'pos', { accountId: 'acc-1', venue: 'sim', positions: [] }),
    fact('QuoteUpdated', 'venue-md.sim', 'quote', {
      venue: 'sim',
      instrument: SYMBOL,
      bidPrice: '90000',
      bidQty: '1',
      askPrice: '90000.1',
      askQty: '1',
      venueAt: new Date(T0).toISOString(),
    }),
  );
  await eventually('the facts folded', async () => Object.keys(execution.view().instruments).length > 0);
});

afterEach(async () => {
  await running.stop();
  await relay.stop();
  await bus.close();
  await store.close();
});

const target = (accountId: string, tag: string) =>
  fact(
    'TargetPositionSet',
    `portfolio-${accountId}`,
    tag,
    { accountId, instrument: SYMBOL, targetQty: '0.05', horizonSec: 60, reason: 'spec' },
    'optimizer',
  );

/** The gateway's record of child `cid` cancelled at the venue, unfilled. */
const cancelled = (cid: string) =>
  fact('OrderCancelled', 'venue-acc-1', `cancelled-${cid}`, {
    accountId: 'acc-1',
    instrument: SYMBOL,
    clientOrderId: cid,
    filledQty: '0',
    reason: 'spec',
  });

/** Target `tag` of acc-1 set and taken up, and the first tick's children sent: the stream and their ids. */
const workingWithChildren = async (t: ReturnType<typeof target>) => {
  await append(t);
  const stream = executionStream('acc-1', SYMBOL);
  await eventually('a parent order', async () =>
    types(await streamOf(stream)).includes('ParentOrderStarted'),
  );
  expect(E.isRight(await execution.tick(T0 + 500))).toBe(true);
  const children = (await streamOf(stream)).flatMap((e) =>
    e.type === 'ChildOrderRequested' ? [e.data.clientOrderId] : [],
  );
  expect(children.length).toBeGreaterThan(0);
  return { stream, children };
};

describe('the execution engine on the runtime', () => {
  it('starts a parent order for an owned account and sends its first child at the next tick, as of that instant', async () => {
    await append(target('acc-1', 't1'));
    const stream = executionStream('acc-1', SYMBOL);
    await eventually('a parent order', async () =>
      types(await streamOf(stream)).includes('ParentOrderStarted'),
    );
    expect(types(await streamOf(stream))).toEqual(['ParentOrderStarted']);
    const at = T0 + 500;
    expect(E.isRight(await execution.tick(at))).toBe(true);
    const child = (await streamOf(stream)).find((e) => e.type === 'ChildOrderRequested');
    expect(child?.data).toMatchObject({ accountId: 'acc-1', instrument: SYMBOL, side: 'buy' });
    expect(child?.occurredAt).toBe(new Date(at).toISOString());
    expect(execution.aggregate('acc-1', SYMBOL)?.state.status).toBe('Working');
  });

  it('follows up a target whose parent ended at its deadline short, once its child is closed, as often as allowed', async () => {
    const t = target('acc-1', 't-late');
    const { stream, children } = await workingWithChildren(t);
    // Nothing fills: at the deadline the parent completes short and cancels its children.
    expect(E.isRight(await execution.tick(T0 + 60_000))).toBe(true);
    const completed = (await streamOf(stream)).find((e) => e.type === 'ParentOrderCompleted');
    expect(completed?.data).toMatchObject({ reason: 'deadline', residual: '0.05' });
    // They may still fill: no follow-up while one is open.
    expect(E.isRight(await execution.tick(T0 + 61_000))).toBe(true);
    const starts = async () => (await streamOf(stream)).filter((e) => e.type === 'ParentOrderStarted');
    expect(await starts()).toHaveLength(1);
    const closed = async () =>
      (await streamOf(stream)).filter((e) => e.type === 'ChildOrderCancelled').length;
    await append(...children.slice(1).map(cancelled));
    await eventually('all but one child closed', async () => (await closed()) === children.length - 1);
    expect(E.isRight(await execution.tick(T0 + 61_500))).toBe(true);
    expect(await starts()).toHaveLength(1);
    await append(...children.slice(0, 1).map(cancelled));
    await eventually('every child closed', async () => (await closed()) === children.length);
    // A new process decides on the aggregate folded from the store as the last one did: from
    // the start of the stream, and from the last process's latest snapshot of it.
    const live = execution.aggregate('acc-1', SYMBOL);
    expect(await store.loadSnapshot(stream)()).toMatchObject(E.right({ version: HELD_SNAPSHOT_VERSION }));
    await restartExecution(0);
    expect(execution.aggregate('acc-1', SYMBOL)).toEqual(live);
    await restartExecution();
    expect(execution.aggregate('acc-1', SYMBOL)).toEqual(live);
    expect(E.isRight(await execution.tick(T0 + 62_000))).toBe(true);
    const [, followUp] = await starts();
    expect(followUp?.data).toMatchObject({
      parentOrderId: parentOrderIdFor('acc-1', SYMBOL, t.event.eventId, 2),
      targetId: t.event.eventId,
      qty: '0.05',
      fromPosition: '0',
      start: new Date(T0 + 62_000).toISOString(),
      deadline: new Date(T0 + 82_000).toISOString(),
    });
    // It ends short too (no fresh quote, nothing sent): one attempt allowed, so no third parent.
    expect(E.isRight(await execution.tick(T0 + 82_000))).toBe(true);
    await restartExecution();
    expect(E.isRight(await execution.tick(T0 + 83_000))).toBe(true);
    expect((await streamOf(stream)).filter((e) => e.type === 'ParentOrderCompleted')).toHaveLength(2);
    expect(await starts()).toHaveLength(2);
  });

  it('gives a target its first parent when it superseded a parent whose children closed only after its deadline', async () => {
    const { stream, children } = await workingWithChildren(target('acc-1', 't-old'));
    // A new target with a 10 s horizon supersedes the working parent: its children are cancelled first.
    clock.advanceTo(T0 + 1_000);
    const t2 = fact(
      'TargetPositionSet',
      'portfolio-acc-1',
      't-new',
      { accountId: 'acc-1', instrument: SYMBOL, targetQty: '0.02', horizonSec: 10, reason: 'spec' },
      'optimizer',
    );
    await append(t2);
    await eventually('superseding', async () =>
      types(await streamOf(stream)).includes('ParentOrderSuperseded'),
    );
    // The venue confirms the cancels only after the new target's deadline (T0 + 11 s).
    expect(E.isRight(await execution.tick(T0 + 12_000))).toBe(true);
    await append(...children.map(cancelled));
    await eventually(
      'every child closed',
      async () =>
        (await streamOf(stream)).filter((e) => e.type === 'ChildOrderCancelled').length === children.length,
    );
    expect(E.isRight(await execution.tick(T0 + 13_000))).toBe(true);
    const completed = (await streamOf(stream)).find((e) => e.type === 'ParentOrderCompleted');
    expect(completed?.data).toMatchObject({ reason: 'superseded' });
    // Folded from the store (from the start and from a snapshot), it is the same aggregate.
    const live = execution.aggregate('acc-1', SYMBOL);
    await restartExecution(0);
    expect(execution.aggregate('acc-1', SYMBOL)).toEqual(live);
    await restartExecution();
    expect(execution.aggregate('acc-1', SYMBOL)).toEqual(live);
    // The new target is owed its first parent: from now over the follow-up horizon (20 s here).
    expect(E.isRight(await execution.tick(T0 + 14_000))).toBe(true);
    await eventually('its parent', async () =>
      (await streamOf(stream)).some(
        (e) => e.type === 'ParentOrderStarted' && e.data.targetId === t2.event.eventId,
      ),
    );
    const started = (await streamOf(stream)).filter((e) => e.type === 'ParentOrderStarted');
    expect(started).toHaveLength(2);
    expect(started[1]?.data).toMatchObject({
      parentOrderId: parentOrderIdFor('acc-1', SYMBOL, t2.event.eventId),
      targetId: t2.event.eventId,
      qty: '0.02',
      fromPosition: '0',
    });
    const s2 = started[1]?.data as { start: string; deadline: string };
    expect(Date.parse(s2.deadline) - Date.parse(s2.start)).toBe(20_000);
  });

  it('rejects a target of an account it does not trade for, and sends nothing', async () => {
    await append(target('acc-2', 't2'));
    const stream = executionStream('acc-2', SYMBOL);
    await eventually('a rejection', async () => (await streamOf(stream)).length > 0);
    const [rejected, ...rest] = await streamOf(stream);
    expect(rejected?.type).toBe('ParentOrderRejected');
    expect(rejected?.data).toMatchObject({ accountId: 'acc-2', code: 'NotFoundError', field: 'account' });
    expect(rest).toEqual([]);
  });

  it('pauses the working parent at once when the kill switch is engaged', async () => {
    await append(target('acc-1', 't3'));
    const stream = executionStream('acc-1', SYMBOL);
    await eventually('a parent order', async () =>
      types(await streamOf(stream)).includes('ParentOrderStarted'),
    );
    await execution.tick(T0 + 500);
    await append(
      fact(
        'KillSwitchEngaged',
        'control-global',
        'kill',
        { scope: 'global', accountId: null, reason: 'spec' },
        'cli',
      ),
    );
    await eventually('paused', async () => types(await streamOf(stream)).includes('ParentOrderPaused'));
    expect(types(await streamOf(stream))).toContain('ChildOrderCancelRequested');
  });

  const riskState = (
    tag: string,
    data: Pick<EventData<'RiskStateChanged'>, 'scope' | 'accountId' | 'from' | 'to' | 'cause'>,
  ) =>
    fact(
      'RiskStateChanged',
      data.accountId === null ? 'portfolio-risk' : `portfolio-${data.accountId}`,
      tag,
      { ...data, detail: 'spec' },
      'optimizer',
    );
  const pauseReasons = async (stream: string, type: 'ParentOrderPaused' | 'ParentOrderResumed') =>
    (await streamOf(stream)).filter((e) => e.type === type).map((e) => (e.data as { reason: string }).reason);

  it("pauses the working parent at once when the optimizer's risk state of the account is HALTED", async () => {
    await append(target('acc-1', 't4'));
    const stream = executionStream('acc-1', SYMBOL);
    await eventually('a parent order', async () =>
      types(await streamOf(stream)).includes('ParentOrderStarted'),
    );
    await execution.tick(T0 + 500);
    expect(types(await streamOf(stream))).toContain('ChildOrderRequested');
    await append(
      riskState('halt', {
        scope: 'account',
        accountId: 'acc-1',
        from: 'ACTIVE',
        to: 'HALTED',
        cause: 'maxDrawdown',
      }),
    );
    // No tick in between: the risk state change runs a decision round itself.
    await eventually('paused', async () => (await pauseReasons(stream, 'ParentOrderPaused')).length > 0);
    expect(await pauseReasons(stream, 'ParentOrderPaused')).toEqual(['riskHalted']);
    expect(types(await streamOf(stream))).toContain('ChildOrderCancelRequested');
  });

  it('resumes at once when the optimizer answers the kill switch by flattening', async () => {
    await append(target('acc-1', 't5'));
    const stream = executionStream('acc-1', SYMBOL);
    await eventually('a parent order', async () =>
      types(await streamOf(stream)).includes('ParentOrderStarted'),
    );
    await execution.tick(T0 + 500);
    await append(
      fact(
        'KillSwitchEngaged',
        'control-global',
        'kill',
        { scope: 'global', accountId: null, reason: 'spec' },
        'cli',
      ),
    );
    await eventually('paused', async () => (await pauseReasons(stream, 'ParentOrderPaused')).length > 0);
    await append(
      riskState('flatten', {
        scope: 'global',
        accountId: null,
        from: 'ACTIVE',
        to: 'REDUCING',
        cause: 'killSwitchFlatten',
      }),
    );
    await eventually('resumed', async () => (await pauseReasons(stream, 'ParentOrderResumed')).length > 0);
    expect(await pauseReasons(stream, 'ParentOrderResumed')).toEqual(['killSwitch']);
    expect(execution.aggregate('acc-1', SYMBOL)?.state.paused).toEqual([]);
  });

  const session = (
    tag: string,
    type: 'TradingSessionStopped' | 'TradingSessionStarted',
    accountId: string | null,
  ) =>
    fact(
      type,
      accountId === null ? 'control-global' : `control-${accountId}`,
      tag,
      { scope: accountId === null ? 'global' : 'account', accountId, operator: 'spec', reason: 'spec' },
      'cli',
    );

  it('stops trading at once on a stopped session, holds new targets back, and resumes on a started one', async () => {
    await append(target('acc-1', 't6'));
    const stream = executionStream('acc-1', SYMBOL);
    await eventually('a parent order', async () =>
      types(await streamOf(stream)).includes('ParentOrderStarted'),
    );
    await execution.tick(T0 + 500);
    expect(types(await streamOf(stream))).toContain('ChildOrderRequested');

    await append(session('stop', 'TradingSessionStopped', null));
    // No tick in between: the session event runs a decision round itself.
    await eventually('paused', async () => (await pauseReasons(stream, 'ParentOrderPaused')).length > 0);
    expect(await pauseReasons(stream, 'ParentOrderPaused')).toEqual(['sessionStopped']);
    expect(types(await streamOf(stream))).toContain('ChildOrderCancelRequested');

    // A new target while stopped: no parent order is started or superseded, and ticks send nothing.
    const before = (await streamOf(stream)).length;
    await append(
      fact(
        'TargetPositionSet',
        'portfolio-acc-1',
        't7',
        {
          accountId: 'acc-1',
          instrument: SYMBOL,
          targetQty: '-0.02',
          horizonSec: 60,
          reason: 'spec',
        },
        'optimizer',
      ),
    );
    await eventually(
      'the target folded',
      async () => execution.view().targets['acc-1']?.[SYMBOL]?.targetQty === '-0.02',
    );
    expect(E.isRight(await execution.tick(T0 + 2500))).toBe(true);
    expect(E.isRight(await execution.tick(T0 + 3500))).toBe(true);
    expect((await streamOf(stream)).slice(before).map((e) => e.type)).toEqual([]);

    await append(session('start', 'TradingSessionStarted', 'acc-1'));
    await eventually('resumed', async () => (await pauseReasons(stream, 'ParentOrderResumed')).length > 0);
    expect(await pauseReasons(stream, 'ParentOrderResumed')).toEqual(['sessionStopped']);
    await eventually('the held target taken up', async () =>
      types(await streamOf(stream)).includes('ParentOrderSuperseded'),
    );
    expect(execution.aggregate('acc-1', SYMBOL)?.state.paused).toEqual([]);
  });
});
