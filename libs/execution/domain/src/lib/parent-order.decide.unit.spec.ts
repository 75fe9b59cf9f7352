/**
 * The parent-order decider, given / when / then, one describe per state. The `spec.given(…)`
 * cases state the history as events (those the fixtures' commands decide) and go through
 * `parentOrderDecider`, the shared shape; the others follow a run of several commands.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { DeciderSpecification } from '@keel/testing';
import {
  childOrderId,
  decide,
  ExecutionConfig,
  nextWakeAt,
  ParentOrderCommand,
  parentOrderDecider,
  parentOrderIdFor,
} from './parent-order.decide';
import { initialState, ParentOrderEvent, ParentOrderState } from './parent-order.state';
import {
  BTC,
  cfg as defaults,
  fold,
  MIN,
  ofType,
  run as runWith,
  setTarget,
  str,
  T0,
  touch,
  TOUCH,
} from '../testing/execution.fixtures';

/**
 * One clip per slice: a slice goes out as one child, so these lifecycle specs follow one child
 * at a time. The clips themselves (the default four per slice) are child-order.clips.unit.spec.ts.
 */
const cfg: ExecutionConfig = { ...defaults, policy: { ...defaults.policy, clipsPerSlice: 1 } };
const run = (commands: readonly ParentOrderCommand[], from?: ParentOrderState) =>
  runWith(commands, from, cfg);
const spec = DeciderSpecification.for(parentOrderDecider, cfg);

/** The history `past` and the events `commands` decide after it. */
const after = (
  past: readonly ParentOrderEvent[],
  commands: readonly ParentOrderCommand[],
): readonly ParentOrderEvent[] => [...past, ...run(commands, fold(past)).events];
const PARENT_ID = parentOrderIdFor('acc1', BTC.symbol, 'tgt1');
const CHILD_0 = childOrderId('acc1', PARENT_ID, 0);
/** A working parent order with its first child posted and accepted. */
const workingHistory = (): readonly ParentOrderEvent[] =>
  after(
    [],
    [
      setTarget(),
      { type: 'Tick', now: T0, touch: TOUCH, market: null },
      { type: 'RecordAccepted', clientOrderId: CHILD_0, now: T0 + 50 },
    ],
  );
const fill0 = (tradeId: string, qty: string, now: number): ParentOrderCommand => ({
  type: 'RecordFill',
  clientOrderId: CHILD_0,
  tradeId,
  qty: new Decimal(qty),
  price: new Decimal('90000'),
  fee: new Decimal('0'),
  liquidity: 'maker',
  now,
});

const started = (): ParentOrderState => run([setTarget()]).state;
const working = (): { state: ParentOrderState; cid: string } => {
  const { state, events } = run([setTarget(), { type: 'Tick', now: T0, touch: TOUCH, market: null }]);
  const req = ofType(events, 'ChildOrderRequested')[0];
  if (!req) throw new Error('no child posted');
  const accepted = run(
    [{ type: 'RecordAccepted', clientOrderId: req.clientOrderId, now: T0 + 50 }],
    state,
  ).state;
  return { state: accepted, cid: req.clientOrderId };
};

describe('Idle', () => {
  it('given no order, when a target arrives, then a buy parent order starts with the arrival mid', () => {
    const { events, state } = run([setTarget()]);
    expect(str(events)).toEqual([
      expect.objectContaining({
        type: 'ParentOrderStarted',
        arrivalMid: '90000.05',
        side: 'buy',
        qty: '1',
        fromPosition: '0',
        targetPosition: '1',
        deadline: T0 + 60 * MIN,
        instrument: BTC.symbol,
        instrumentRules: expect.objectContaining({ symbol: BTC.symbol, lotSize: '0.001' }),
      }),
    ]);
    expect(state.status).toBe('Working');
  });

  it('when the target is below the position, then it sells the difference', () => {
    const { state } = run([setTarget({ currentPosition: '2.5', targetPosition: '-0.5' })]);
    expect(state.status === 'Working' && [state.parent.side, state.parent.qty.toString()]).toEqual([
      'sell',
      '3',
    ]);
  });

  it('when the target equals the position, then nothing happens', () => {
    expect(decide(setTarget({ currentPosition: '1' }), initialState(), cfg)).toEqual(E.right([]));
    spec
      .given([])
      .when(setTarget({ currentPosition: '1' }))
      .thenNothing();
  });

  it('given no events, when a target arrives, then exactly one ParentOrderStarted, from the position to the target by the deadline', () => {
    spec
      .given([])
      .when(setTarget())
      .then([
        expect.objectContaining({
          type: 'ParentOrderStarted',
          arrivalMid: new Decimal('90000.05'),
          occurredAt: T0,
          targetId: 'tgt1',
          parentOrderId: PARENT_ID,
          side: 'buy',
          qty: new Decimal(1),
          start: T0,
          deadline: T0 + 60 * MIN,
          style: 'maker',
        }),
      ]);
  });

  it('given no events, when a venue answer comes for a child it never sent, then nothing happens', () => {
    spec.given([]).when({ type: 'RecordAccepted', clientOrderId: CHILD_0, now: T0 }).thenNothing();
    spec
      .given([])
      .when(fill0('t1', '0.1', T0))
      .thenNothing();
  });

  it.each([
    ['an unknown account', { accountId: 'nobody' }, { _tag: 'NotFoundError', what: 'account', id: 'nobody' }],
    [
      'an unknown instrument',
      { instrument: 'DOGEUSDT' },
      { _tag: 'NotFoundError', what: 'instrument', id: 'DOGEUSDT' },
    ],
    [
      'a non-numeric target',
      { targetPosition: 'lots' },
      expect.objectContaining({ path: '/targetPosition', value: 'lots' }),
    ],
    [
      'a deadline in the past',
      { deadline: T0 - 1, now: T0 },
      expect.objectContaining({ path: '/deadline', value: '2025-12-31T23:59:59.999Z' }),
    ],
    ['zero slices', { slices: 0 }, expect.objectContaining({ path: '/slices', value: 0 })],
    [
      'a change below the minimum notional',
      { targetPosition: '0.001' },
      expect.objectContaining({ path: '/targetPosition' }),
    ],
    [
      'a negative limit price',
      { limitPrice: '-5' },
      expect.objectContaining({ path: '/limitPrice', value: '-5' }),
    ],
  ])(
    'when the target has %s, then it is rejected with the reason and nothing is sent',
    (_what, over, error) => {
      expect(decide(setTarget(over), initialState(), cfg)).toEqual(E.left(error));
      spec.given([]).when(setTarget(over)).thenFails(error);
    },
  );

  it('when the target names an unknown account, then it fails with a NotFoundError', () => {
    spec
      .given([])
      .when(setTarget({ accountId: 'nobody' }))
      .thenFails('NotFoundError');
  });
});

describe('Working', () => {
  it('given a started order, when the first tick comes, then exactly the first slice goes out post-only at the bid', () => {
    spec
      .given(after([], [setTarget()]))
      .when({ type: 'Tick', now: T0, touch: TOUCH, market: null })
      .then([
        {
          type: 'ChildOrderRequested',
          occurredAt: T0,
          accountId: 'acc1',
          instrument: BTC.symbol,
          parentOrderId: PARENT_ID,
          clientOrderId: CHILD_0,
          seq: 0,
          kind: 'passive',
          side: 'buy',
          qty: new Decimal('0.166'),
          orderType: 'limit',
          limitPrice: new Decimal('90000'),
          postOnly: true,
          reduceOnly: false,
          reason: 'post',
          validUntil: T0 + 60_000,
        },
      ]);
  });

  it('given a fill already recorded, when the venue delivers it again, then nothing happens', () => {
    const history = after(workingHistory(), [fill0('t1', '0.1', T0 + 2000)]);
    spec
      .given(history)
      .when(fill0('t1', '0.1', T0 + 3000))
      .thenNothing();
  });

  it('when a fill is larger than what the child has open, then it is refused naming the quantity', () => {
    spec
      .given(workingHistory())
      .when(fill0('t1', '0.2', T0 + 2000))
      .thenFails(expect.objectContaining({ _tag: 'ValidationError', path: '/qty', value: '0.2' }));
  });

  it('when the kill switch is engaged, then it pauses and cancels the open child', () => {
    spec
      .given(workingHistory())
      .when({
        type: 'Pause',
        accountId: 'acc1',
        instrument: BTC.symbol,
        reason: 'killSwitch',
        now: T0 + 1000,
      })
      .then([
        {
          type: 'ParentOrderPaused',
          occurredAt: T0 + 1000,
          accountId: 'acc1',
          instrument: BTC.symbol,
          parentOrderId: PARENT_ID,
          reason: 'killSwitch',
        },
        expect.objectContaining({
          type: 'ChildOrderCancelRequested',
          parentOrderId: PARENT_ID,
          clientOrderId: CHILD_0,
          occurredAt: T0 + 1000,
        }),
      ]);
  });

  it('when the first tick comes, then it posts the first slice post-only at the bid', () => {
    const { events } = run([{ type: 'Tick', now: T0, touch: TOUCH, market: null }], started());
    const parentId = parentOrderIdFor('acc1', BTC.symbol, 'tgt1');
    expect(str(events)).toEqual([
      {
        type: 'ChildOrderRequested',
        occurredAt: T0,
        accountId: 'acc1',
        instrument: BTC.symbol,
        parentOrderId: parentId,
        clientOrderId: childOrderId('acc1', parentId, 0),
        seq: 0,
        kind: 'passive',
        side: 'buy',
        qty: '0.166',
        orderType: 'limit',
        limitPrice: '90000',
        postOnly: true,
        reduceOnly: false,
        reason: 'post',
        validUntil: T0 + 60_000,
      },
    ]);
    expect(childOrderId('acc1', parentId, 0)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('when the spread is wider than a tick, then it posts one tick inside', () => {
    const { events } = run(
      [{ type: 'Tick', now: T0, touch: touch('90000.0', '90000.5'), market: null }],
      started(),
    );
    expect(ofType(events, 'ChildOrderRequested')[0]?.limitPrice?.toString()).toBe('90000.1');
  });

  it('when the touch moves away by a tick, then it cancels the child to reprice it', () => {
    const { state, cid } = working();
    const { events } = run(
      [{ type: 'Tick', now: T0 + 1000, touch: touch('90000.1', '90000.2'), market: null }],
      state,
    );
    expect(str(ofType(events, 'ChildOrderCancelRequested'))).toEqual([
      expect.objectContaining({ clientOrderId: cid, reason: 'reprice' }),
    ]);
  });

  it('when a fill is delivered twice, then it counts once', () => {
    const { state, cid } = working();
    const fill = {
      type: 'RecordFill' as const,
      clientOrderId: cid,
      tradeId: 't1',
      qty: new Decimal('0.1'),
      price: new Decimal('90000'),
      fee: new Decimal('1.8'),
      liquidity: 'maker' as const,
      now: T0 + 2000,
    };
    const after = run([fill, fill], state);
    expect(ofType(after.events, 'ChildOrderFilled')).toHaveLength(1);
    expect(after.state.status === 'Working' && after.state.progress.filled.toString()).toBe('0.1');
  });

  it('when it falls behind the schedule by more than the tolerance, then it takes a clip of the shortfall with a market order', () => {
    const { state } = working();
    // 45 min into a 60-min, 6-slice order with nothing filled: 0.75 is due, tolerance 0.75 slice.
    const { events } = run([{ type: 'Tick', now: T0 + 45 * MIN, touch: TOUCH, market: null }], state);
    const take = ofType(events, 'ChildOrderRequested').find((e) => e.kind === 'taker');
    expect(str(take)).toEqual(
      expect.objectContaining({ orderType: 'market', limitPrice: null, postOnly: false, reason: 'catchUp' }),
    );
    // The shortfall less the 0.25-slice lag kept is 0.708, but a child is at most a clip: here
    // one per slice, 1/6 rounded up to the lot (it was the whole 0.708 in one order before clips).
    expect(take?.qty.toString()).toBe('0.167');
  });

  it('when the shortfall is below the tradable minimum, then it neither takes nor pulls its passive child, and tops up passively', () => {
    // 0.006 BTC in 3 slices: at 25 min 0.002 is due (lag 1 slice) but the catch-up would be
    // 0.0015 → 0.001, under the 0.002 minimum at 90,000 (100 USDT notional): carried, not sent.
    const { state } = run([
      setTarget({ targetPosition: '0.006', slices: 3 }),
      { type: 'Tick', now: T0, touch: TOUCH, market: null },
    ]);
    const { events } = run([{ type: 'Tick', now: T0 + 25 * MIN, touch: TOUCH, market: null }], state);
    expect(ofType(events, 'ChildOrderCancelRequested')).toEqual([]);
    // Nothing to take, so the passive side carries on: slice 1's 0.002 joins the resting one.
    expect(ofType(events, 'ChildOrderRequested').map((e) => [e.kind, e.qty.toString(), e.reason])).toEqual([
      ['passive', '0.002', 'post'],
    ]);
  });

  it('when the final sweep starts, then it cancels the passive children and takes the rest', () => {
    const { state, cid } = working();
    const { events, state: s2 } = run(
      [{ type: 'Tick', now: T0 + 60 * MIN - 20_000, touch: TOUCH, market: null }],
      state,
    );
    expect(ofType(events, 'ChildOrderCancelRequested').map((e) => e.clientOrderId)).toEqual([cid]);
    // The passive child's 0.166 is not free until its cancel is confirmed: only 0.834 is taken now.
    expect(ofType(events, 'ChildOrderRequested').map((e) => [e.kind, e.qty.toString(), e.reason])).toEqual([
      ['taker', '0.834', 'sweep'],
    ]);
    const closed = run(
      [{ type: 'RecordCancelled', clientOrderId: cid, now: T0 + 60 * MIN - 19_950 }],
      s2,
    ).state;
    expect(closed.status === 'Working' && closed.children.map((c) => c.kind)).toEqual(['taker']);
  });

  it('when everything is filled, then the next tick completes it', () => {
    const { state, cid } = working();
    const filled = run(
      [
        {
          type: 'RecordFill',
          clientOrderId: cid,
          tradeId: 't1',
          qty: new Decimal('0.166'),
          price: new Decimal('90000'),
          fee: new Decimal('0'),
          liquidity: 'maker',
          now: T0 + 1,
        },
      ],
      state,
    ).state;
    const rest = { ...(filled as Extract<ParentOrderState, { status: 'Working' }>) };
    const done = run([{ type: 'Tick', now: T0 + 60 * MIN - 20_000, touch: TOUCH, market: null }], rest);
    const take = ofType(done.events, 'ChildOrderRequested')[0];
    expect(take?.qty.toString()).toBe('0.834');
    const after = run(
      [
        {
          type: 'RecordFill',
          clientOrderId: take?.clientOrderId ?? '',
          tradeId: 't2',
          qty: new Decimal('0.834'),
          price: new Decimal('90000.1'),
          fee: new Decimal('0'),
          liquidity: 'taker',
          now: T0 + 60 * MIN - 19_950,
        },
        { type: 'Tick', now: T0 + 60 * MIN - 19_000, touch: TOUCH, market: null },
      ],
      done.state,
    );
    expect(str(ofType(after.events, 'ParentOrderCompleted'))).toEqual([
      expect.objectContaining({ reason: 'filled', filled: '1', residual: '0' }),
    ]);
  });

  it('when the deadline passes unfinished, then it cancels and completes with the residual', () => {
    const { state, cid } = working();
    const paused = run(
      [{ type: 'Pause', accountId: 'acc1', instrument: BTC.symbol, reason: 'killSwitch', now: T0 + 1000 }],
      state,
    );
    expect(ofType(paused.events, 'ChildOrderCancelRequested').map((e) => e.clientOrderId)).toEqual([cid]);
    const end = run(
      [
        { type: 'RecordCancelled', clientOrderId: cid, now: T0 + 1050 },
        { type: 'Tick', now: T0 + 60 * MIN, touch: TOUCH, market: null },
      ],
      paused.state,
    );
    expect(str(ofType(end.events, 'ParentOrderCompleted'))).toEqual([
      expect.objectContaining({ reason: 'deadline', residual: '1' }),
    ]);
  });

  it('when the kill switch is engaged, then ticks send nothing until it is released, and resuming re-plans what is left', () => {
    const { state } = working();
    const paused = run(
      [
        { type: 'Pause', accountId: 'acc1', instrument: BTC.symbol, reason: 'killSwitch', now: T0 + 1000 },
        { type: 'Pause', accountId: 'acc1', instrument: BTC.symbol, reason: 'market', now: T0 + 2000 },
      ],
      state,
    );
    expect(
      ofType(
        run([{ type: 'Tick', now: T0 + 30 * MIN, touch: TOUCH, market: null }], paused.state).events,
        'ChildOrderRequested',
      ),
    ).toEqual([]);
    const halfResumed = run(
      [{ type: 'Resume', accountId: 'acc1', instrument: BTC.symbol, reason: 'market', now: T0 + 30 * MIN }],
      paused.state,
    );
    expect(ofType(halfResumed.events, 'ParentOrderResumed')[0]?.schedule).toBeNull();
    const resumed = run(
      [
        {
          type: 'Resume',
          accountId: 'acc1',
          instrument: BTC.symbol,
          reason: 'killSwitch',
          now: T0 + 30 * MIN,
        },
      ],
      halfResumed.state,
    );
    const sch = ofType(resumed.events, 'ParentOrderResumed')[0]?.schedule;
    expect(sch && [sch.from, sch.to, sch.base.toString(), sch.weights.length]).toEqual([
      T0 + 30 * MIN,
      T0 + 60 * MIN,
      '0',
      3,
    ]);
  });

  it('reports progress once per finished slice', () => {
    const { state } = working();
    const { events } = run(
      [
        { type: 'Tick', now: T0 + 10 * MIN + 1, touch: TOUCH, market: null },
        { type: 'Tick', now: T0 + 10 * MIN + 2, touch: TOUCH, market: null },
      ],
      state,
    );
    expect(str(ofType(events, 'ParentOrderProgressReported'))).toEqual([
      expect.objectContaining({ slice: 0, filled: '0', scheduled: '0.166' }),
    ]);
  });

  it('asks to be woken at the next slice, or sooner when a catch-up will be due', () => {
    const { state } = working();
    // Nothing filled: the schedule is more than 0.75 slice (0.125) ahead once it reaches
    // 0.126, at 7.56 min (0.126 / (1/60 per min)), before the next slice at 10 min.
    expect(nextWakeAt(state, T0, cfg)).toBe(T0 + 453_600);
    const fill = {
      type: 'RecordFill' as const,
      clientOrderId: working().cid,
      tradeId: 'x',
      qty: new Decimal('0.166'),
      price: new Decimal('90000'),
      fee: new Decimal('0'),
      liquidity: 'maker' as const,
      now: T0 + 1,
    };
    const ahead = run([fill, { type: 'Tick', now: T0 + 1000, touch: TOUCH, market: null }], state).state;
    // A slice filled: the next trigger is the next slice (10 min), before the catch-up at 17.56 min.
    expect(nextWakeAt(ahead, T0 + 1000, cfg)).toBe(T0 + 10 * MIN);
  });
});

describe('Superseding', () => {
  const superseding = (): readonly ParentOrderEvent[] =>
    after(workingHistory(), [
      setTarget({
        targetId: 'tgt2',
        targetPosition: '0.5',
        currentPosition: '0',
        now: T0 + 5 * MIN,
        start: T0 + 5 * MIN,
      }),
    ]);

  it('given an old child still open, when a tick comes, then nothing starts yet', () => {
    spec
      .given(superseding())
      .when({ type: 'Tick', now: T0 + 5 * MIN + 20, touch: TOUCH, market: null })
      .thenNothing();
  });

  it('given an old child still open, when the venue closes it, then it is recorded closed', () => {
    spec
      .given(superseding())
      .when({ type: 'RecordCancelled', clientOrderId: CHILD_0, now: T0 + 5 * MIN + 60 })
      .then([
        {
          type: 'ChildOrderCancelled',
          occurredAt: T0 + 5 * MIN + 60,
          accountId: 'acc1',
          instrument: BTC.symbol,
          parentOrderId: PARENT_ID,
          clientOrderId: CHILD_0,
        },
      ]);
  });

  it('given the old children closed, when a tick comes, then the old parent completes as superseded and the next starts', () => {
    spec
      .given(
        after(superseding(), [{ type: 'RecordCancelled', clientOrderId: CHILD_0, now: T0 + 5 * MIN + 60 }]),
      )
      .when({ type: 'Tick', now: T0 + 5 * MIN + 1000, touch: TOUCH, market: null })
      .then([
        expect.objectContaining({
          type: 'ParentOrderCompleted',
          occurredAt: T0 + 5 * MIN + 1000,
          accountId: 'acc1',
          instrument: BTC.symbol,
          parentOrderId: PARENT_ID,
          reason: 'superseded',
          filled: new Decimal(0),
          residual: new Decimal(1),
          quality: expect.objectContaining({ childOrderCount: 1 }),
        }),
        expect.objectContaining({
          type: 'ParentOrderStarted',
          targetId: 'tgt2',
          side: 'buy',
          qty: new Decimal('0.5'),
        }),
      ]);
  });

  it('given a second new target while superseding, when the old children close, then the latest target starts, not the first', () => {
    // Found by keel soak: the fold kept the first pending target, whose deadline had passed by the
    // time the old children closed, so the parent completed and the latest target never started.
    spec
      .given(
        after(superseding(), [
          setTarget({
            targetId: 'tgt3',
            targetPosition: '-0.3',
            currentPosition: '0',
            now: T0 + 5 * MIN + 30,
            start: T0 + 5 * MIN + 30,
          }),
          { type: 'RecordCancelled', clientOrderId: CHILD_0, now: T0 + 5 * MIN + 60 },
        ]),
      )
      .when({ type: 'Tick', now: T0 + 5 * MIN + 1000, touch: TOUCH, market: null })
      .then([
        expect.objectContaining({ type: 'ParentOrderCompleted', reason: 'superseded' }),
        expect.objectContaining({
          type: 'ParentOrderStarted',
          targetId: 'tgt3',
          side: 'sell',
          qty: new Decimal('0.3'),
        }),
      ]);
  });

  it('given a working order, when a new target arrives, then it cancels every child and starts the next from the resulting position', () => {
    const { state, cid } = working();
    const sup = run(
      [
        setTarget({
          targetId: 'tgt2',
          targetPosition: '0.5',
          currentPosition: '0',
          now: T0 + 5 * MIN,
          start: T0 + 5 * MIN,
        }),
      ],
      state,
    );
    expect(ofType(sup.events, 'ChildOrderCancelRequested').map((e) => e.clientOrderId)).toEqual([cid]);
    expect(sup.state.status).toBe('Superseding');
    // While it is being cancelled, the old child still fills: 0.1 more.
    const late = run(
      [
        {
          type: 'RecordFill',
          clientOrderId: cid,
          tradeId: 'late',
          qty: new Decimal('0.1'),
          price: new Decimal('90000'),
          fee: new Decimal('0'),
          liquidity: 'maker',
          now: T0 + 5 * MIN + 10,
        },
        { type: 'Tick', now: T0 + 5 * MIN + 20, touch: TOUCH, market: null },
      ],
      sup.state,
    );
    expect(ofType(late.events, 'ParentOrderStarted')).toEqual([]); // not before the child is closed
    const next = run(
      [
        { type: 'RecordCancelled', clientOrderId: cid, now: T0 + 5 * MIN + 60 },
        { type: 'Tick', now: T0 + 5 * MIN + 1000, touch: TOUCH, market: null },
      ],
      late.state,
    );
    expect(str(next.events.map((e) => e.type))).toEqual([
      'ChildOrderCancelled',
      'ParentOrderCompleted',
      'ParentOrderStarted',
    ]);
    const s = next.state;
    expect(
      s.status === 'Working' && [s.parent.side, s.parent.qty.toString(), s.parent.fromPosition.toString()],
    ).toEqual(['buy', '0.4', '0.1']);
  });
});

describe('Completed', () => {
  const completedHistory = (): readonly ParentOrderEvent[] =>
    after(workingHistory(), [
      fill0('a', '0.166', T0 + 1),
      { type: 'Tick', now: T0 + 60 * MIN, touch: TOUCH, market: null },
    ]);

  it('given a completed order, when a tick comes, then nothing happens', () => {
    spec
      .given(completedHistory())
      .when({ type: 'Tick', now: T0 + 61 * MIN, touch: TOUCH, market: null })
      .thenNothing();
  });

  it('given a completed order, when a new target arrives, then a new parent order starts from the resulting position', () => {
    spec
      .given(completedHistory())
      .when(
        setTarget({
          targetId: 'tgt3',
          targetPosition: '0',
          currentPosition: '0.166',
          now: T0 + 61 * MIN,
          start: T0 + 61 * MIN,
          deadline: T0 + 90 * MIN,
        }),
      )
      .then([
        expect.objectContaining({
          type: 'ParentOrderStarted',
          side: 'sell',
          qty: new Decimal('0.166'),
        }),
      ]);
  });

  it('ignores ticks, and a new target starts a new parent order', () => {
    const { state, cid } = working();
    const done = run(
      [
        {
          type: 'RecordFill',
          clientOrderId: cid,
          tradeId: 'a',
          qty: new Decimal('0.166'),
          price: new Decimal('90000'),
          fee: new Decimal('0'),
          liquidity: 'maker',
          now: T0 + 1,
        },
        { type: 'Tick', now: T0 + 60 * MIN, touch: TOUCH, market: null },
      ],
      state,
    ).state;
    expect(done.status).toBe('Completed');
    expect(run([{ type: 'Tick', now: T0 + 61 * MIN, touch: TOUCH, market: null }], done).events).toEqual([]);
    const again = run(
      [
        setTarget({
          targetId: 'tgt3',
          targetPosition: '0',
          currentPosition: '0.166',
          now: T0 + 61 * MIN,
          start: T0 + 61 * MIN,
          deadline: T0 + 90 * MIN,
        }),
      ],
      done,
    );
    expect(again.state.status === 'Working' && again.state.parent.side).toBe('sell');
  });
});

describe('Completed at the deadline with children open', () => {
  it('when a child it cancelled at the end is closed (cancelled or rejected), then it is no longer open, and an unknown id changes nothing', () => {
    const { state: w, cid } = working();
    const done = run([{ type: 'Tick', now: T0 + 60 * MIN, touch: TOUCH, market: null }], w).state;
    for (const close of [
      { type: 'RecordCancelled', clientOrderId: cid, now: T0 + 60 * MIN + 5 } as const,
      { type: 'RecordRejected', clientOrderId: cid, code: 'Expired', now: T0 + 60 * MIN + 5 } as const,
    ]) {
      const closed = run([close], done);
      expect(closed.events.map((e) => [e.type, 'clientOrderId' in e ? e.clientOrderId : null])).toEqual([
        [close.type === 'RecordCancelled' ? 'ChildOrderCancelled' : 'ChildOrderRejected', cid],
      ]);
      expect(closed.state.status === 'Completed' && closed.state.lateChildren).toEqual([]);
      expect(decide({ ...close, clientOrderId: 'other' }, done, cfg)).toEqual(E.right([]));
    }
  });

  it('when a child it cancelled at the end fills late, then the fill is still counted once (the position loses nothing)', () => {
    const { state: w, cid } = working();
    const done = run([{ type: 'Tick', now: T0 + 60 * MIN, touch: TOUCH, market: null }], w).state;
    expect(
      done.status === 'Completed' && [done.reason, done.lateChildren.map((c) => c.clientOrderId)],
    ).toEqual(['deadline', [cid]]);
    const fill = {
      type: 'RecordFill',
      clientOrderId: cid,
      tradeId: 'late-1',
      qty: new Decimal('0.1'),
      price: new Decimal('90000'),
      fee: new Decimal('0'),
      liquidity: 'maker',
      now: T0 + 60 * MIN + 5,
    } as const;
    const late = run([fill], done);
    expect(
      ofType(late.events, 'ChildOrderFilled').map((e) => [e.clientOrderId, e.tradeId, e.qty.toString()]),
    ).toEqual([[cid, 'late-1', '0.1']]);
    expect(late.state.position.toString()).toBe('0.1');
    expect(decide(fill, late.state, cfg)).toEqual(E.right([]));
    expect(decide({ ...fill, clientOrderId: 'other' }, late.state, cfg)).toEqual(E.right([]));
    const history = after(workingHistory(), [
      { type: 'Tick', now: T0 + 60 * MIN, touch: TOUCH, market: null },
      fill,
    ]);
    spec.given(history).when(fill).thenNothing();
    spec
      .given(history)
      .when({ ...fill, clientOrderId: 'other' })
      .thenNothing();
  });
});
