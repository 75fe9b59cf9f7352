/**
 * The stored form of the decider's events (execution.events.ts): a fast-check round trip
 * over random markets (the property spec's drive, plus pauses, rejects, a second instrument
 * and fees): every event the decider produces is schema-valid through `newEvent`, survives
 * JSON and `decodeStored`, comes back deep-equal (decimals by value and string form), and
 * folding the round-tripped stream gives the same state. Bad stored data names its field.
 */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { decodeStored, EventData, newEvent, RecordedEvent, StoredEventFields } from '@keel/events';
import { Instrument } from '@keel/instruments';
import { eventIdFor, EXECUTION_EVENT_TYPES, fromStored, StreamContext, toStored } from './execution.events';
import { executionQuality } from './execution.quality';
import { ExecutionConfig, ParentOrderCommand } from './parent-order.decide';
import { childOpenQty, ParentOrderEvent, ParentOrderState } from './parent-order.state';
import { BTC, cfg, fold, MIN, ofType, run, setTarget, T0, touch } from '../testing/execution.fixtures';

// A dated, physically settled future with a maker rebate and a contract size: every rule field non-trivial.
const FUT: Instrument = {
  ...BTC,
  venue: 'okx',
  venueSymbol: 'BTC-USDT-260327',
  symbol: 'BTC/USDT:USDT-260327',
  kind: 'future',
  contractSize: new Decimal('0.01'),
  settlement: 'physical',
  expiry: '2026-03-27T08:00:00.000Z',
  makerFee: new Decimal('-0.00005'),
  minNotional: new Decimal('0'),
};
const spec: ExecutionConfig = {
  ...cfg,
  instruments: [BTC, FUT],
  policy: { ...cfg.policy, finalSweepMs: Number.MAX_SAFE_INTEGER },
};

interface Step {
  readonly dPrice: number;
  readonly fillFrac: number;
  readonly late: number;
  readonly reject: boolean;
  readonly pause: 'none' | 'market' | 'killSwitch';
  readonly feeBp: number;
}
interface Scenario {
  readonly steps: readonly Step[];
  readonly fut: boolean;
  readonly lots: number;
  readonly minutes: number;
  readonly slices: number;
  readonly pausedAtStart: boolean;
  readonly marketOnly: boolean;
  readonly supersedeAt: number | null;
  readonly newTargetLots: number;
}

const arbStep: fc.Arbitrary<Step> = fc.record({
  dPrice: fc.integer({ min: -3, max: 3 }),
  fillFrac: fc.double({ min: 0, max: 1, noNaN: true }),
  late: fc.double({ min: 0, max: 1, noNaN: true }),
  reject: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  pause: fc.constantFrom<Step['pause']>(
    'none',
    'none',
    'none',
    'none',
    'none',
    'none',
    'market',
    'killSwitch',
  ),
  feeBp: fc.integer({ min: -1, max: 5 }),
});
const arbScenario: fc.Arbitrary<Scenario> = fc.record({
  steps: fc.array(arbStep, { minLength: 30, maxLength: 30 }),
  fut: fc.boolean(),
  lots: fc.integer({ min: 2, max: 20_000 }),
  minutes: fc.integer({ min: 5, max: 600 }),
  slices: fc.integer({ min: 1, max: 30 }),
  pausedAtStart: fc.boolean(),
  marketOnly: fc.boolean(),
  supersedeAt: fc.option(fc.double({ min: 0.05, max: 0.9, noNaN: true })),
  newTargetLots: fc.integer({ min: -20_000, max: 20_000 }),
});

/** Drive the decider through a scenario (like the property spec's, with pauses and rejects); every event it emits. */
const drive = (sc: Scenario): { inst: Instrument; log: ParentOrderEvent[]; state: ParentOrderState } => {
  const inst = sc.fut ? FUT : BTC;
  const lot = inst.lotSize;
  const deadline = T0 + sc.minutes * MIN;
  let state: ParentOrderState | undefined;
  const log: ParentOrderEvent[] = [];
  const pendingCancels: string[] = [];
  let tradeSeq = 0;
  const apply = (cmds: readonly ParentOrderCommand[]): ParentOrderEvent[] => {
    const r = run(cmds, state, spec);
    state = r.state;
    log.push(...r.events);
    for (const e of ofType(r.events, 'CancelRequested')) pendingCancels.push(e.clientOrderId);
    return r.events;
  };
  if (sc.pausedAtStart) apply([{ type: 'Pause', reason: 'market', now: T0 }]);
  apply([
    setTarget({
      symbol: inst.symbol,
      targetPosition: lot.times(sc.lots).toFixed(),
      deadline,
      slices: sc.slices,
      style: sc.marketOnly ? 'marketOnly' : 'maker',
    }),
  ]);
  if (sc.pausedAtStart) apply([{ type: 'Resume', reason: 'market', now: T0 + 1 }]);
  const live = (): ParentOrderState => state as ParentOrderState;
  let price = new Decimal('90000');
  let position = new Decimal(0);
  let superseded = false;
  const tickMs = Math.max(1000, Math.floor((deadline - T0) / 120));
  const fill = (
    cid: string,
    q: Decimal,
    p: Decimal,
    liquidity: 'maker' | 'taker',
    feeBp: number,
    now: number,
  ): void => {
    const before = live();
    const fee = q.times(p).times(inst.contractSize).times(feeBp).div(10_000);
    apply([
      {
        type: 'RecordFill',
        clientOrderId: cid,
        tradeId: `t${tradeSeq++}`,
        qty: q,
        price: p,
        fee,
        liquidity,
        now,
      },
    ]);
    const s = live();
    if (before !== s && s.status !== 'Idle') position = position.plus(s.parent.side === 'buy' ? q : q.neg());
  };
  const paused = new Set<'market' | 'killSwitch'>();
  for (let i = 0, t = T0; live().status !== 'Completed' && t <= deadline + 5 * tickMs; i++) {
    t += tickMs;
    const step = sc.steps[i % sc.steps.length] as Step;
    price = Decimal.max(new Decimal('1000'), price.plus(new Decimal(step.dPrice).times(inst.tickSize)));
    const tb = touch(price.toFixed(), price.plus(inst.tickSize).toFixed());
    for (const cid of pendingCancels.splice(0)) {
      const s = live();
      const ch =
        s.status === 'Working' || s.status === 'Superseding'
          ? s.children.find((c) => c.clientOrderId === cid)
          : undefined;
      if (ch && step.late > 0.5) {
        const q = childOpenQty(ch).times(step.late).div(lot).floor().times(lot);
        if (q.gt(0)) fill(cid, q, ch.price ?? price, 'maker', step.feeBp, t);
      }
      apply([{ type: 'RecordClosed', clientOrderId: cid, now: t }]);
    }
    const s = live();
    if (s.status === 'Working' || s.status === 'Superseding')
      for (const ch of s.children.filter((c) => c.kind === 'passive' && c.status === 'Working')) {
        const q = childOpenQty(ch).times(step.fillFrac).div(lot).floor().times(lot);
        if (q.gt(0) && step.fillFrac > 0.3)
          fill(ch.clientOrderId, q, ch.price ?? price, 'maker', step.feeBp, t);
      }
    // Pauses toggle: a reason seen again resumes it (re-planning what is left).
    if (step.pause !== 'none') {
      if (paused.has(step.pause)) {
        paused.delete(step.pause);
        apply([{ type: 'Resume', reason: step.pause, now: t }]);
      } else {
        paused.add(step.pause);
        apply([{ type: 'Pause', reason: step.pause, now: t }]);
      }
    }
    if (
      !superseded &&
      sc.supersedeAt !== null &&
      t >= T0 + sc.supersedeAt * (deadline - T0) &&
      t < deadline - tickMs
    ) {
      superseded = true;
      apply([
        setTarget({
          targetId: 'tgt2',
          symbol: inst.symbol,
          targetPosition: lot.times(sc.newTargetLots).toFixed(),
          currentPosition: position.toFixed(),
          start: t,
          now: t,
          deadline,
          slices: sc.slices,
          touch: tb,
        }),
      ]);
    }
    const events = apply([{ type: 'Tick', now: t, touch: tb }]);
    for (const e of ofType(events, 'ChildOrderRequested')) {
      if (step.reject) {
        apply([
          { type: 'RecordRejected', clientOrderId: e.clientOrderId, code: 'INSUFFICIENT_MARGIN', now: t },
        ]);
        continue;
      }
      apply([{ type: 'RecordAccepted', clientOrderId: e.clientOrderId, now: t }]);
      if (e.kind === 'taker') {
        fill(e.clientOrderId, e.qty, tb.ask, 'taker', step.feeBp, t);
        apply([{ type: 'RecordClosed', clientOrderId: e.clientOrderId, now: t }]);
      }
    }
  }
  return { inst, log, state: live() };
};

const META = {
  correlationId: 'c1',
  causationId: null,
  producer: 'execution',
  occurredAt: '2026-01-01T00:00:00.000Z',
};

/** Store one event as the app would (newEvent, JSON in the store, decodeStored) and read it back. */
const storeAndLoad = (
  e: ParentOrderEvent,
  ctx: StreamContext,
  revision: number,
): { recorded: RecordedEvent; back: E.Either<unknown, ParentOrderEvent> } => {
  const st = toStored(e, ctx);
  const ne = newEvent(st.type, eventIdFor(e, ctx), st.data as never, META);
  if (E.isLeft(ne)) throw new Error(`${e.type} not schema-valid: ${JSON.stringify(ne.left)}`);
  const raw = JSON.parse(
    JSON.stringify({
      ...ne.right,
      stream: `execution-${ctx.accountId}`,
      streamRevision: revision,
      globalPosition: revision,
      recordedAt: META.occurredAt,
    }),
  ) as StoredEventFields;
  const recorded = decodeStored(raw);
  if (E.isLeft(recorded)) throw new Error(`${e.type} not decodable: ${JSON.stringify(recorded.left)}`);
  return { recorded: recorded.right, back: fromStored(recorded.right) };
};

/** Decimals as their exact string form (toFixed: no exponent). */
const norm = (x: unknown): unknown =>
  JSON.parse(
    JSON.stringify(x, (_k, v: unknown) => (Decimal.isDecimal(v) ? `D:${(v as Decimal).toFixed()}` : v)),
  );

describe('execution events: stored form round trip (property)', () => {
  it('every event the decider produces is schema-valid, comes back deep-equal, and folds to the same state', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(arbScenario, (sc) => {
        const { inst, log, state } = drive(sc);
        const ctx: StreamContext = { accountId: 'acc1', instrument: inst.symbol };
        const back: ParentOrderEvent[] = [];
        const ids = new Set<string>();
        log.forEach((e, i) => {
          seen.add(e.type);
          const r = storeAndLoad(e, ctx, i);
          expect(r.back).toEqual(E.right(e));
          if (E.isLeft(r.back)) return;
          expect(norm(r.back.right)).toEqual(norm(e));
          back.push(r.back.right);
          ids.add(r.recorded.eventId);
        });
        // Distinct events of one stream never share an id (the store would drop one).
        expect(ids.size).toBe(log.length);
        expect(fold(back)).toEqual(state);
        expect(norm(fold(back))).toEqual(norm(state));
      }),
      { numRuns: 60 },
    );
    // The scenarios reach every event type of the stream.
    expect([...seen].sort()).toEqual([...EXECUTION_EVENT_TYPES].sort());
  });
});

describe('execution events: stored form', () => {
  const ctx: StreamContext = { accountId: 'acc1', instrument: BTC.symbol };
  const started = run([setTarget({ limitPrice: '95000.5', urgency: 'high' })]).events[0] as ParentOrderEvent;

  it('stores a started parent order with its schedule and instrument rules, decimals as plain strings', () => {
    const st = toStored(started, { ...ctx, targetId: 'tgt1' });
    expect(st).toEqual({
      type: 'ParentOrderStarted',
      data: expect.objectContaining({
        accountId: 'acc1',
        instrument: 'BTC/USDT:USDT',
        targetId: 'tgt1',
        side: 'buy',
        qty: '1',
        limitPrice: '95000.5',
        urgency: 'high',
        start: '2026-01-01T00:00:00.000Z',
        deadline: '2026-01-01T01:00:00.000Z',
        arrivalMid: '90000.05',
        schedule: {
          from: '2026-01-01T00:00:00.000Z',
          to: '2026-01-01T01:00:00.000Z',
          base: '0',
          total: '1',
          weights: [1, 1, 1, 1, 1, 1],
          lot: '0.001',
        },
        instrumentRules: expect.objectContaining({
          symbol: 'BTC/USDT:USDT',
          lotSize: '0.001',
          tickSize: '0.1',
          makerFee: '0.0002',
          settlement: null,
        }),
      }),
    });
  });

  it('keeps the gateway fields of ChildOrderRequested and CancelRequested, and adds only optional ones', () => {
    const req: ParentOrderEvent = {
      type: 'ChildOrderRequested',
      parentId: 'p1',
      clientOrderId: 'abc123',
      seq: 3,
      kind: 'passive',
      side: 'sell',
      qty: new Decimal('0.0000001'),
      orderType: 'limit',
      limitPrice: new Decimal('90000.1'),
      postOnly: true,
      reason: 'reprice',
      at: T0 + 5,
    };
    expect(toStored(req, ctx).data).toEqual({
      accountId: 'acc1',
      instrument: 'BTC/USDT:USDT',
      parentOrderId: 'p1',
      clientOrderId: 'abc123',
      side: 'sell',
      qty: '0.0000001',
      orderType: 'limit',
      limitPrice: '90000.1',
      postOnly: true,
      reduceOnly: false,
      seq: 3,
      kind: 'passive',
      reason: 'reprice',
      requestedAt: '2026-01-01T00:00:00.005Z',
    });
    const cancel: ParentOrderEvent = {
      type: 'CancelRequested',
      parentId: 'p1',
      clientOrderId: 'abc123',
      reason: 'paused: market',
      at: T0,
    };
    expect(toStored(cancel, ctx).data).toEqual({
      accountId: 'acc1',
      instrument: 'BTC/USDT:USDT',
      clientOrderId: 'abc123',
      reason: 'paused: market',
      parentOrderId: 'p1',
      requestedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('stores a pause with no parent order as parentOrderId null and restores the empty id', () => {
    const { events } = run([{ type: 'Pause', reason: 'killSwitch', now: T0 }]);
    const e = events[0] as ParentOrderEvent;
    expect(toStored(e, ctx).data).toEqual({
      accountId: 'acc1',
      instrument: 'BTC/USDT:USDT',
      parentOrderId: null,
      reason: 'killSwitch',
      at: '2026-01-01T00:00:00.000Z',
    });
    expect(storeAndLoad(e, ctx, 0).back).toEqual(E.right(e));
  });

  it('carries execution quality on ParentOrderCompleted when the app gives it (stored, not folded)', () => {
    const done: ParentOrderEvent = {
      type: 'ParentOrderCompleted',
      parentId: 'p1',
      reason: 'filled',
      filled: new Decimal('1'),
      residual: new Decimal('0'),
      at: T0,
    };
    const quality = executionQuality({
      side: 'buy',
      fills: [
        {
          qty: new Decimal('1'),
          price: new Decimal('90010'),
          fee: new Decimal('18.002'),
          liquidity: 'maker',
        },
      ],
      arrivalMid: new Decimal('90000.05'),
      intervalVwap: new Decimal('90005'),
      maxScheduleLagSlices: 0.5,
      childOrderCount: 3,
    });
    const st = toStored(done, { ...ctx, quality });
    expect(st.type === 'ParentOrderCompleted' && st.data.quality).toEqual(quality);
    expect(
      E.isRight(newEvent(st.type, eventIdFor(done, ctx), st.data as EventData<'ParentOrderCompleted'>, META)),
    ).toBe(true);
    expect(storeAndLoad(done, { ...ctx, quality }, 0).back).toEqual(E.right(done));
  });

  it('derives ids from causes: the same decision gets the same id, another fill another', () => {
    const fill = (tradeId: string): ParentOrderEvent => ({
      type: 'ChildOrderFilled',
      parentId: 'p1',
      clientOrderId: 'c1',
      tradeId,
      qty: new Decimal('0.1'),
      price: new Decimal('90000'),
      fee: new Decimal('-0.45'),
      liquidity: 'maker',
      at: T0,
    });
    expect(eventIdFor(fill('t1'), ctx)).toBe(eventIdFor(fill('t1'), ctx));
    expect(eventIdFor(fill('t1'), ctx)).not.toBe(eventIdFor(fill('t2'), ctx));
    expect(eventIdFor(fill('t1'), ctx)).not.toBe(eventIdFor(fill('t1'), { ...ctx, accountId: 'acc2' }));
    expect(eventIdFor(fill('t1'), ctx)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('execution events: bad stored data is a ValidationError naming the field', () => {
  const ctx: StreamContext = { accountId: 'acc1', instrument: BTC.symbol };
  const started = toStored(run([setTarget()]).events[0] as ParentOrderEvent, ctx);
  const startedData = started.data as EventData<'ParentOrderStarted'>;
  const path = (r: E.Either<{ path: string }, unknown>): string | null => (E.isLeft(r) ? r.left.path : null);

  it('rejects a payload that breaks the schema (exponent, float, missing field)', () => {
    expect(path(fromStored({ type: 'ParentOrderStarted', data: { ...startedData, qty: '1e-3' } }))).toBe(
      '/data/qty',
    );
    expect(path(fromStored({ type: 'ParentOrderStarted', data: { ...startedData, fromPosition: 0 } }))).toBe(
      '/data/fromPosition',
    );
    const { arrivalMid: _omit, ...noMid } = startedData;
    expect(fromStored({ type: 'ParentOrderStarted', data: noMid })).toEqual(
      E.left(expect.objectContaining({ _tag: 'ValidationError', path: '/data/arrivalMid' })),
    );
  });

  it('rejects a schedule or time that cannot be restored', () => {
    expect(
      path(
        fromStored({
          type: 'ParentOrderStarted',
          data: { ...startedData, schedule: { ...startedData.schedule, weights: [0, 0] } },
        }),
      ),
    ).toBe('/data/schedule/weights');
    expect(
      path(
        fromStored({
          type: 'ParentOrderStarted',
          data: { ...startedData, schedule: { ...startedData.schedule, to: startedData.schedule.from } },
        }),
      ),
    ).toBe('/data/schedule/to');
    expect(
      path(
        fromStored({ type: 'ParentOrderStarted', data: { ...startedData, at: '2026-13-45T00:00:00.000Z' } }),
      ),
    ).toBe('/data/at');
  });

  it('rejects instrument rules of another instrument', () => {
    const r = fromStored({
      type: 'ParentOrderStarted',
      data: { ...startedData, instrumentRules: { ...startedData.instrumentRules, symbol: 'ETH/USDT:USDT' } },
    });
    expect(r).toEqual(
      E.left(expect.objectContaining({ path: '/data/instrumentRules/symbol', value: 'ETH/USDT:USDT' })),
    );
  });

  it('rejects a gateway-only ChildOrderRequested (no seq) and a type that is not of this stream', () => {
    const gatewayOnly = {
      accountId: 'acc1',
      instrument: BTC.symbol,
      parentOrderId: 'p',
      clientOrderId: 'k1',
      side: 'buy',
      qty: '1',
      orderType: 'market',
      limitPrice: null,
      postOnly: false,
      reduceOnly: false,
    };
    expect(fromStored({ type: 'ChildOrderRequested', data: gatewayOnly })).toEqual(
      E.left(expect.objectContaining({ _tag: 'ValidationError', path: '/data/seq' })),
    );
    expect(
      path(
        fromStored({
          type: 'CancelRequested',
          data: { accountId: 'acc1', instrument: BTC.symbol, clientOrderId: 'k1', reason: 'x' },
        }),
      ),
    ).toBe('/data/parentOrderId');
    expect(path(fromStored({ type: 'OrderFilled', data: {} }))).toBe('/type');
  });
});
