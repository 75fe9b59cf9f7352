/**
 * The execution app's pure pieces: the view it folds from other apps' facts, how a target
 * becomes a command (or a wait, or a rejection), and the pauses the kill switch, the
 * optimizer's risk state, the operator's trading sessions and the CME market call for.
 */
import Decimal from 'decimal.js';
import { EventData, EventType, RecordedEvent } from '@keel/events';
import { BINANCE_USDM_BTCUSDT, instrumentToStored } from '@keel/instruments';
import {
  emptyAggregate,
  ExecutionAggregate,
  evolveAggregate,
  followUpStep,
  pauseCommands,
  rejectionData,
  targetStep,
  TargetSettings,
  venueCommand,
  wantedPauses,
} from './execution.aggregate';
import {
  evolveExecutionView,
  ExecutionView,
  freshTouch,
  initialExecutionView,
  isSessionStopped,
  marketTotalsAt,
} from './execution.view';
import { intervalBenchmark } from './execution.quality';
import { parentOrderIdFor } from './parent-order.decide';
import { run, setTarget, T0, TOUCH } from '../testing/execution.fixtures';

let position = 0;
const rec = <T extends EventType>(
  type: T,
  data: EventData<T>,
  at = T0,
  eventId = `00000000-0000-8000-8000-${String(++position).padStart(12, '0')}`,
): RecordedEvent =>
  ({
    type,
    data,
    eventId,
    schemaVersion: 1,
    correlationId: 'c',
    causationId: null,
    producer: 'test',
    occurredAt: new Date(at).toISOString(),
    stream: 's',
    streamRevision: 0,
    globalPosition: position,
    recordedAt: new Date(at).toISOString(),
  }) as unknown as RecordedEvent;

const fold = (events: readonly RecordedEvent[], from: ExecutionView = initialExecutionView): ExecutionView =>
  events.reduce(evolveExecutionView, from);
const SYM = BINANCE_USDM_BTCUSDT.symbol;
const listed = rec('InstrumentsListed', {
  venue: 'sim',
  accountIds: ['acc1'],
  instruments: [instrumentToStored(BINANCE_USDM_BTCUSDT)],
});
const snapshot = (qty: string) =>
  rec('PositionReported', {
    accountId: 'acc1',
    venue: 'sim',
    positions: qty === '0' ? [] : [{ instrument: SYM, qty, entryPrice: null }],
  });
const fill = (side: 'buy' | 'sell', qty: string) =>
  rec('OrderFilled', {
    accountId: 'acc1',
    instrument: SYM,
    clientOrderId: 'x',
    tradeId: `t${position}`,
    side,
    qty,
    price: '90000',
    fee: '0',
    feeAsset: 'USDT',
    liquidity: 'maker',
  });
const quote = (bid: string, ask: string, at: number, bidQty = '1', askQty = '1') =>
  rec('QuoteUpdated', {
    venue: 'sim',
    instrument: SYM,
    bidPrice: bid,
    bidQty,
    askPrice: ask,
    askQty,
    venueAt: new Date(at).toISOString(),
  });
const settings = { accounts: ['acc1'], sliceMs: 60_000, maxSlices: 240 };
const target = (qty: string, at = T0) => ({ targetId: 'tgt1', targetQty: qty, horizonSec: 600, at });

describe('the view', () => {
  it('keeps the venue position as the last snapshot plus the fills after it, settled once two snapshots agree with no fill between', () => {
    const v1 = fold([snapshot('0.5'), fill('buy', '0.25')]);
    expect(v1.positions['acc1']?.[SYM]).toEqual({ qty: '0.75', fillsSinceSnapshot: 1, settled: false });
    const v2 = fold([snapshot('0.75')], v1);
    expect(v2.positions['acc1']?.[SYM]?.settled).toBe(false);
    expect(fold([snapshot('0.75')], v2).positions['acc1']?.[SYM]).toEqual({
      qty: '0.75',
      fillsSinceSnapshot: 0,
      settled: true,
    });
  });

  it('keeps the newest touch and integrates the mid over venue time; trades give the interval VWAP', () => {
    const v = fold([
      quote('100', '102', T0),
      quote('104', '106', T0 + 1000),
      quote('1', '3', T0 + 500),
      rec('TradePrinted', {
        venue: 'sim',
        instrument: SYM,
        tradeId: 'p1',
        price: '101',
        qty: '2',
        side: 'buy',
        venueAt: new Date(T0).toISOString(),
      }),
    ]);
    expect(v.touches['sim ' + SYM]).toEqual({
      bid: '104',
      ask: '106',
      bidQty: '1',
      askQty: '1',
      at: T0 + 1000,
    });
    const start = marketTotalsAt(initialExecutionView, 'sim', SYM, T0);
    const end = marketTotalsAt(v, 'sim', SYM, T0 + 2000);
    expect({
      ...end,
      tradeQty: end.tradeQty.toFixed(),
      tradeNotional: end.tradeNotional.toFixed(),
      midMs: end.midMs.toFixed(),
    }).toEqual({ tradeQty: '2', tradeNotional: '202', midMs: '206000', ms: 2000 });
    expect(intervalBenchmark(start, end)?.toFixed()).toBe('101');
    const d = (x: string) => new Decimal(x);
    expect(
      intervalBenchmark(
        { ...end, tradeQty: d('0'), tradeNotional: d('0') },
        { ...end, tradeQty: d('0'), tradeNotional: d('0'), midMs: d('311000'), ms: 3000 },
      )?.toFixed(),
    ).toBe('105');
  });

  it('serves a touch only while it is fresh and not crossed, with the sizes the quote showed', () => {
    const v = fold([quote('100', '102', T0, '3.5', '0.25')]);
    expect(freshTouch(v, 'sim', SYM, T0 + 5000, 10_000)).toEqual({
      bid: new Decimal(100),
      ask: new Decimal(102),
      bidQty: new Decimal('3.5'),
      askQty: new Decimal('0.25'),
    });
    // A touch from a snapshot taken before sizes were kept: served without them.
    const old = { ...v, touches: { ['sim ' + SYM]: { bid: '100', ask: '102', at: T0 } } };
    expect(freshTouch(old, 'sim', SYM, T0 + 5000, 10_000)).toEqual({
      bid: new Decimal(100),
      ask: new Decimal(102),
    });
    expect(freshTouch(v, 'sim', SYM, T0 + 10_001, 10_000)).toBeNull();
    expect(freshTouch(fold([quote('102', '102', T0)]), 'sim', SYM, T0, 10_000)).toBeNull();
  });

  it('ignores CME root exposure targets (cme-rollover maps them) but keeps contract targets', () => {
    const v = fold([
      rec('TargetPositionSet', {
        accountId: 'acc1',
        instrument: 'CME:ES',
        targetQty: '3',
        horizonSec: 60,
        reason: 'r',
      }),
      rec('ContractTargetSet', {
        accountId: 'acc1',
        instrument: 'ESZ6',
        root: 'ES',
        targetQty: '3',
        horizonSec: 60,
        reason: 'r',
        linkId: null,
      }),
    ]);
    expect(Object.keys(v.targets['acc1'] ?? {})).toEqual(['ESZ6']);
  });
});

describe('taking up a target', () => {
  const agg = emptyAggregate('acc1', SYM);

  it('waits for the gateway to list the account, then for a position', () => {
    expect(targetStep(initialExecutionView, agg, target('1'), T0, TOUCH, null, settings)).toMatchObject({
      _tag: 'Wait',
      reason: expect.stringContaining('InstrumentsListed'),
    });
    expect(targetStep(fold([listed]), agg, target('1'), T0, TOUCH, null, settings)).toMatchObject({
      _tag: 'Wait',
      reason: expect.stringContaining('PositionReported'),
    });
  });

  it('starts from the venue position, with slices of the configured length', () => {
    const step = targetStep(fold([listed, snapshot('0.4')]), agg, target('1'), T0, TOUCH, null, settings);
    expect(step).toMatchObject({
      _tag: 'Decide',
      command: {
        type: 'SetTarget',
        currentPosition: '0.4',
        targetPosition: '1',
        start: T0,
        deadline: T0 + 600_000,
        slices: 10,
      },
    });
  });

  it('waits while a child of the last parent order is still open (its late fill would be lost), then starts from the position after it', () => {
    const late = { clientOrderId: 'child-late', qty: new Decimal('0.1'), filled: new Decimal(0) };
    const completed = (lateChildren: readonly unknown[]): ExecutionAggregate => ({
      ...agg,
      revision: 7,
      state: {
        status: 'Completed',
        position: new Decimal('0.4'),
        paused: [],
        parent: { parentOrderId: 'p1' },
        lateChildren,
      } as unknown as ExecutionAggregate['state'],
    });
    const view = fold([listed, snapshot('0.4')]);
    expect(targetStep(view, completed([late]), target('1'), T0, TOUCH, null, settings)).toMatchObject({
      _tag: 'Wait',
      reason: expect.stringContaining('child-late'),
    });
    expect(targetStep(view, completed([]), target('1'), T0, TOUCH, null, settings)).toMatchObject({
      _tag: 'Decide',
      command: { currentPosition: '0.4', targetPosition: '1' },
    });
  });

  it('rejects an account it does not trade for and an instrument the gateway does not list', () => {
    expect(
      targetStep(
        fold([listed, snapshot('0')]),
        emptyAggregate('nobody', SYM),
        target('1'),
        T0,
        TOUCH,
        null,
        settings,
      ),
    ).toEqual({ _tag: 'Reject', error: { _tag: 'NotFoundError', what: 'account', id: 'nobody' } });
    const r = targetStep(
      fold([listed, snapshot('0')]),
      emptyAggregate('acc1', 'DOGE/USDT:USDT'),
      target('1'),
      T0,
      TOUCH,
      null,
      settings,
    );
    expect(r).toEqual({
      _tag: 'Reject',
      error: { _tag: 'NotFoundError', what: 'instrument', id: 'DOGE/USDT:USDT' },
    });
    if (r._tag === 'Reject')
      expect(rejectionData(emptyAggregate('acc1', 'DOGE/USDT:USDT'), 'tgt1', r.error)).toMatchObject({
        code: 'NotFoundError',
        field: 'instrument',
        value: 'DOGE/USDT:USDT',
      });
  });

  it('does nothing when the position already is the target, even after its deadline', () => {
    expect(
      targetStep(fold([listed, snapshot('1')]), agg, target('1', T0 - 3_600_000), T0, TOUCH, null, settings),
    ).toEqual({ _tag: 'Nothing' });
  });

  it("after a parent order, starts from the aggregate's own position unless the venue's is settled", () => {
    const { events } = run([setTarget({ accountId: 'acc1', instrument: SYM })]);
    const done = events.reduce((a, e) => evolveAggregate(a, e), agg);
    // A Completed aggregate (the parent filled 0.3 of 1, then a deadline): its own position is 0.3.
    const completed = {
      ...done,
      state: {
        ...done.state,
        status: 'Completed',
        position: new Decimal('0.3'),
        reason: 'deadline',
        residual: new Decimal('0.7'),
        finishedAt: T0,
        nextSeq: 0,
        lateChildren: [],
      },
    } as typeof done;
    const unsettled = fold([listed, snapshot('0.2'), fill('buy', '0.2')]);
    expect(targetStep(unsettled, completed, target('1'), T0, TOUCH, null, settings)).toMatchObject({
      command: { currentPosition: '0.3' },
    });
    const settled = fold([snapshot('0.5'), snapshot('0.5')], unsettled);
    expect(targetStep(settled, completed, target('1'), T0, TOUCH, null, settings)).toMatchObject({
      command: { currentPosition: '0.5' },
    });
  });
});

describe('following up a target missed at its deadline', () => {
  const agg = emptyAggregate('acc1', SYM);
  const view = fold([listed, snapshot('0.2'), fill('buy', '0.1')]);
  const followUp = { attempts: 2, horizonMs: 120_000 };
  const later = T0 + 3_600_000;
  /** The first parent of tgt1 (0 → 1), completed for `reason` having bought 0.3. */
  const ended = (
    reason: 'deadline' | 'filled' | 'superseded',
    lateChildren: readonly unknown[] = [],
    supersededBy: string | null = null,
  ): ExecutionAggregate => {
    const { events } = run([setTarget({ accountId: 'acc1', instrument: SYM })]);
    const done = events.reduce((a, e) => evolveAggregate(a, e), agg);
    return {
      ...done,
      state: {
        ...done.state,
        status: 'Completed',
        position: new Decimal('0.3'),
        reason,
        residual: new Decimal('0.7'),
        finishedAt: later,
        nextSeq: 0,
        lateChildren,
        supersededBy,
      },
    } as typeof done;
  };

  it('trades the rest from now over the follow-up horizon, as the next attempt with its own parent order id', () => {
    const step = followUpStep(view, ended('deadline'), target('1'), 1, later, TOUCH, null, {
      ...settings,
      followUp,
    });
    expect(step).toMatchObject({
      _tag: 'Decide',
      command: {
        type: 'SetTarget',
        targetId: 'tgt1',
        attempt: 2,
        currentPosition: '0.3',
        targetPosition: '1',
        start: later,
        deadline: later + 120_000,
        slices: 2,
      },
    });
    expect(parentOrderIdFor('acc1', SYM, 'tgt1', 2)).not.toBe(parentOrderIdFor('acc1', SYM, 'tgt1'));
    expect(parentOrderIdFor('acc1', SYM, 'tgt1', 1)).toBe(parentOrderIdFor('acc1', SYM, 'tgt1'));
  });

  it('does nothing more without follow-ups, after the last attempt, or when the last parent did not end at its deadline', () => {
    const on = { ...settings, followUp };
    const step = (a: ExecutionAggregate, started: number, s: TargetSettings = on) =>
      followUpStep(view, a, target('1'), started, later, TOUCH, null, s);
    expect(step(ended('deadline'), 1, settings)).toEqual({ _tag: 'Nothing' });
    expect(step(ended('deadline'), 3)).toEqual({ _tag: 'Nothing' });
    expect(step(ended('deadline'), 0)).toEqual({ _tag: 'Nothing' });
    expect(step(ended('filled'), 1)).toEqual({ _tag: 'Nothing' });
    expect(step(ended('superseded'), 1)).toEqual({ _tag: 'Nothing' });
    expect(
      followUpStep(view, ended('deadline'), { ...target('1'), targetId: 'tgt2' }, 1, later, TOUCH, null, on),
    ).toEqual({ _tag: 'Nothing' });
    // The account holds the target after all (the venue's figure, settled): nothing to follow up.
    const there = fold([snapshot('1'), snapshot('1')], view);
    expect(followUpStep(there, ended('deadline'), target('1'), 1, later, TOUCH, null, on)).toEqual({
      _tag: 'Nothing',
    });
  });

  it('gives a target that superseded a parent but never started (its deadline passed first) its first parent', () => {
    // tgt2 superseded tgt1's parent; tgt1's children closed only after tgt2's deadline, so the old
    // parent completed as superseded and tgt2 started nothing: taken up, 0 parents.
    const dropped = ended('superseded', [], 'tgt2');
    const tgt2 = { ...target('1'), targetId: 'tgt2' };
    const on = { ...settings, followUp };
    // Its first attempt: no attempt number, as any target's first parent.
    const command = { type: 'SetTarget', targetId: 'tgt2', currentPosition: '0.3', start: later };
    // Over the follow-up horizon when follow-ups are on; over its own horizon when they are off.
    expect(followUpStep(view, dropped, tgt2, 0, later, TOUCH, null, on)).toMatchObject({
      _tag: 'Decide',
      command: { ...command, deadline: later + 120_000 },
    });
    expect(followUpStep(view, dropped, tgt2, 0, later, TOUCH, null, settings)).toMatchObject({
      _tag: 'Decide',
      command: { ...command, deadline: later + tgt2.horizonSec * 1000 },
    });
    // Its first parent has the id any first parent of tgt2 has.
    expect(parentOrderIdFor('acc1', SYM, 'tgt2', 1)).toBe(parentOrderIdFor('acc1', SYM, 'tgt2'));
    // Not for another target (one rejected after it, say), nor once a parent has started for it.
    expect(followUpStep(view, dropped, { ...tgt2, targetId: 'tgt3' }, 0, later, TOUCH, null, on)).toEqual({
      _tag: 'Nothing',
    });
    expect(followUpStep(view, dropped, tgt2, 1, later, TOUCH, null, settings)).toEqual({ _tag: 'Nothing' });
    // Paused: it waits like a follow-up.
    expect(followUpStep(view, dropped, tgt2, 0, later, TOUCH, null, on, ['killSwitch'])).toMatchObject({
      _tag: 'Wait',
    });
  });

  it('waits while anything would pause it, so its short horizon is not spent paused', () => {
    const on = { ...settings, followUp };
    expect(
      followUpStep(view, ended('deadline'), target('1'), 1, later, TOUCH, null, on, ['killSwitch', 'market']),
    ).toEqual({ _tag: 'Wait', reason: 'a follow-up of target tgt1 waits: killSwitch, market' });
  });

  it('waits while the parent works or a child of it is still open', () => {
    const on = { ...settings, followUp };
    const late = { clientOrderId: 'child-late', qty: new Decimal('0.1'), filled: new Decimal(0) };
    expect(
      followUpStep(view, ended('deadline', [late]), target('1'), 1, later, TOUCH, null, on),
    ).toMatchObject({
      _tag: 'Wait',
      reason: expect.stringContaining('child-late'),
    });
    const { events } = run([setTarget({ accountId: 'acc1', instrument: SYM })]);
    const working = events.reduce((a, e) => evolveAggregate(a, e), agg);
    expect(followUpStep(view, working, target('1'), 1, later, TOUCH, null, on)).toMatchObject({
      _tag: 'Wait',
    });
  });
});

describe('venue facts and pauses', () => {
  it('turns each order fact into the matching record command', () => {
    expect(venueCommand(fill('sell', '0.5'), T0)).toMatchObject({
      type: 'RecordFill',
      clientOrderId: 'x',
      qty: new Decimal('0.5'),
      liquidity: 'maker',
    });
    expect(
      venueCommand(
        rec('OrderCancelled', {
          accountId: 'acc1',
          instrument: SYM,
          clientOrderId: 'y',
          filledQty: '0',
          reason: 'r',
        }),
        T0,
      ),
    ).toEqual({ type: 'RecordCancelled', clientOrderId: 'y', now: T0 });
    expect(venueCommand(quote('1', '2', T0), T0)).toBeNull();
  });

  it('pauses for the account kill switch or the global one, and resumes when released', () => {
    const engaged = fold([rec('KillSwitchEngaged', { scope: 'account', accountId: 'acc1', reason: 'r' })]);
    expect(wantedPauses(engaged, 'acc1', SYM, T0)).toEqual(['killSwitch']);
    expect(wantedPauses(engaged, 'acc2', SYM, T0)).toEqual([]);
    expect(
      wantedPauses(
        fold([rec('KillSwitchEngaged', { scope: 'global', accountId: null, reason: 'r' })]),
        'acc2',
        SYM,
        T0,
      ),
    ).toEqual(['killSwitch']);
    const released = fold(
      [rec('KillSwitchReleased', { scope: 'account', accountId: 'acc1', reason: 'r' })],
      engaged,
    );
    expect(wantedPauses(released, 'acc1', SYM, T0)).toEqual([]);
    const state = run([
      setTarget(),
      { type: 'Pause', accountId: 'acc1', instrument: 'BTCUSDT', reason: 'killSwitch', now: T0 },
    ]).state;
    const paused = { accountId: 'acc1', symbol: 'BTCUSDT', state };
    expect(pauseCommands(paused, [], T0 + 1)).toEqual([
      { type: 'Resume', accountId: 'acc1', instrument: 'BTCUSDT', reason: 'killSwitch', now: T0 + 1 },
    ]);
    expect(pauseCommands(paused, ['killSwitch'], T0 + 1)).toEqual([]);
  });

  it('does not pause for a release or a flatten answer without an engaged kill switch', () => {
    const v = fold([
      rec('KillSwitchReleased', { scope: 'global', accountId: null, reason: 'r' }),
      risk('global', null, 'REDUCING', 'killSwitchFlatten'),
    ]);
    expect(wantedPauses(v, 'acc1', SYM, T0)).toEqual([]);
    // The answer came before the engagement: it lifts nothing.
    expect(wantedPauses(fold([kill('global', null)], v), 'acc1', SYM, T0)).toEqual(['killSwitch']);
  });

  it('pauses a CME contract outside its session (Saturday, the daily halt) and not a crypto perpetual', () => {
    const saturday = Date.parse('2026-03-07T15:00:00Z');
    const halt = Date.parse('2026-03-10T21:30:00Z'); // 16:30 Chicago (CDT): the daily halt
    const open = Date.parse('2026-03-10T15:00:00Z');
    expect(wantedPauses(initialExecutionView, 'acc1', 'ESM6', saturday)).toEqual(['market']);
    expect(wantedPauses(initialExecutionView, 'acc1', 'ESM6', halt)).toEqual(['market']);
    expect(wantedPauses(initialExecutionView, 'acc1', 'ESM6', open)).toEqual([]);
    expect(wantedPauses(initialExecutionView, 'acc1', SYM, saturday)).toEqual([]);
  });
});

const kill = (
  scope: 'global' | 'account',
  accountId: string | null,
  type: 'KillSwitchEngaged' | 'KillSwitchReleased' = 'KillSwitchEngaged',
) => rec(type, { scope, accountId, reason: 'r' });
const risk = (
  scope: 'global' | 'account',
  accountId: string | null,
  to: EventData<'RiskStateChanged'>['to'],
  cause: EventData<'RiskStateChanged'>['cause'],
  from: EventData<'RiskStateChanged'>['from'] = 'ACTIVE',
) => rec('RiskStateChanged', { scope, accountId, from, to, cause, detail: 'spec' });
const pauses = (v: ExecutionView, account: string) => wantedPauses(v, account, SYM, T0);

describe("the optimizer's risk state", () => {
  it('keeps the latest state and cause per scope, as plain JSON', () => {
    const v = fold([
      risk('account', 'acc1', 'HALTED', 'maxDrawdown'),
      risk('global', null, 'REDUCING', 'dailyLossLimit'),
      risk('account', 'acc1', 'ACTIVE', 'cleared', 'HALTED'),
      risk('account', null, 'HALTED', 'maxDrawdown'), // an account scope without an account: no scope
    ]);
    expect(v.risk).toEqual({
      global: { state: 'REDUCING', cause: 'dailyLossLimit' },
      accounts: { acc1: { state: 'ACTIVE', cause: 'cleared' } },
    });
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
    // A per-account lookup reads the account's own entry, never an inherited property.
    expect(pauses(fold([kill('account', 'acc1')], v), 'constructor')).toEqual([]);
  });

  it('pauses for HALTED of the account or the global scope (riskHalted), not for REDUCING; ACTIVE clears it', () => {
    const halted = fold([risk('account', 'acc1', 'HALTED', 'maxDrawdown')]);
    expect(pauses(halted, 'acc1')).toEqual(['riskHalted']);
    expect(pauses(halted, 'acc2')).toEqual([]);
    const global = fold([risk('global', null, 'HALTED', 'maxDrawdown')]);
    expect(pauses(global, 'acc1')).toEqual(['riskHalted']);
    expect(pauses(global, 'acc2')).toEqual(['riskHalted']);
    expect(pauses(fold([risk('account', 'acc1', 'REDUCING', 'dailyLossLimit')]), 'acc1')).toEqual([]);
    const cleared = fold([risk('account', 'acc1', 'ACTIVE', 'cleared', 'HALTED')], halted);
    expect(pauses(cleared, 'acc1')).toEqual([]);
    // The global HALTED holds whatever the account's own state says.
    expect(pauses(fold([risk('account', 'acc1', 'ACTIVE', 'cleared', 'HALTED')], global), 'acc1')).toEqual([
      'riskHalted',
    ]);
    const state = run([
      setTarget(),
      { type: 'Pause', accountId: 'acc1', instrument: 'BTCUSDT', reason: 'riskHalted', now: T0 },
    ]).state;
    const paused = { accountId: 'acc1', symbol: 'BTCUSDT', state };
    expect(pauseCommands(paused, pauses(cleared, 'acc1'), T0 + 1)).toEqual([
      { type: 'Resume', accountId: 'acc1', instrument: 'BTCUSDT', reason: 'riskHalted', now: T0 + 1 },
    ]);
  });

  it('keeps a kill switch paused until the optimizer answers it by flattening; a freeze keeps it paused', () => {
    const engaged = fold([kill('global', null)]);
    expect(pauses(engaged, 'acc1')).toEqual(['killSwitch']);
    const frozen = fold([risk('global', null, 'HALTED', 'killSwitchFreeze')], engaged);
    expect(pauses(frozen, 'acc1')).toEqual(['killSwitch', 'riskHalted']);
    // The flatten answer: the optimizer set every target to 0; execution carries them out.
    const flattening = fold([risk('global', null, 'REDUCING', 'killSwitchFlatten')], engaged);
    expect(pauses(flattening, 'acc1')).toEqual([]);
    expect(pauses(flattening, 'acc2')).toEqual([]);
    expect(flattening.kill.global).toEqual({ flattening: true });
  });

  it("lifts a kill switch only for the flatten answer's own scope", () => {
    const both = fold([kill('account', 'acc1'), kill('account', 'acc2')]);
    const acc1Answered = fold([risk('account', 'acc1', 'REDUCING', 'killSwitchFlatten')], both);
    expect(pauses(acc1Answered, 'acc1')).toEqual([]);
    expect(pauses(acc1Answered, 'acc2')).toEqual(['killSwitch']);
    // A global flatten answer does not lift an account's kill switch, nor the reverse.
    const globalAndAccount = fold([kill('global', null), kill('account', 'acc1')]);
    const globalAnswered = fold([risk('global', null, 'REDUCING', 'killSwitchFlatten')], globalAndAccount);
    expect(pauses(globalAnswered, 'acc1')).toEqual(['killSwitch']);
    expect(pauses(globalAnswered, 'acc2')).toEqual([]);
    const accountAnswered = fold(
      [risk('account', 'acc1', 'REDUCING', 'killSwitchFlatten')],
      globalAndAccount,
    );
    expect(pauses(accountAnswered, 'acc1')).toEqual(['killSwitch']);
    // REDUCING for another cause is no flatten answer.
    expect(pauses(fold([risk('account', 'acc2', 'REDUCING', 'dailyLossLimit')], both), 'acc2')).toEqual([
      'killSwitch',
    ]);
  });

  it('pauses again on a new kill switch after a flatten answer, until the next answer', () => {
    const answered = fold([
      kill('account', 'acc1'),
      risk('account', 'acc1', 'REDUCING', 'killSwitchFlatten'),
    ]);
    expect(pauses(answered, 'acc1')).toEqual([]);
    const again = fold([kill('account', 'acc1')], answered);
    expect(pauses(again, 'acc1')).toEqual(['killSwitch']);
    expect(
      pauses(fold([risk('account', 'acc1', 'REDUCING', 'killSwitchFlatten', 'REDUCING')], again), 'acc1'),
    ).toEqual([]);
    // Released, then engaged: the old answer is gone with the release.
    const released = fold([kill('account', 'acc1', 'KillSwitchReleased')], answered);
    expect(released.kill.accounts).toEqual({});
    expect(pauses(fold([kill('account', 'acc1')], released), 'acc1')).toEqual(['killSwitch']);
  });
});

describe("the operator's trading sessions", () => {
  const session = (
    type: 'TradingSessionStopped' | 'TradingSessionStarted',
    accountId: string | null,
  ): RecordedEvent =>
    rec(type, {
      scope: accountId === null ? 'global' : 'account',
      accountId,
      operator: 'ops',
      reason: 'r',
    });
  const ready = fold([listed, snapshot('0')]);
  const agg = emptyAggregate('acc1', SYM);

  describe('none recorded', () => {
    it('trades: no pause, the target is taken up (sessions before this rule behave as before)', () => {
      expect(isSessionStopped(ready, 'acc1')).toBe(false);
      expect(wantedPauses(ready, 'acc1', SYM, T0)).toEqual([]);
      expect(targetStep(ready, agg, target('1'), T0, TOUCH, null, settings)._tag).toBe('Decide');
    });
  });

  describe('stopped', () => {
    it('for every account: pauses (sessionStopped) and holds a new target back, naming why', () => {
      const v = fold([session('TradingSessionStopped', null)], ready);
      expect(wantedPauses(v, 'acc1', SYM, T0)).toEqual(['sessionStopped']);
      expect(wantedPauses(v, 'acc2', SYM, T0)).toEqual(['sessionStopped']);
      expect(targetStep(v, agg, target('1'), T0, TOUCH, null, settings)).toEqual({
        _tag: 'Wait',
        reason: 'trading of account acc1 is stopped (TradingSessionStopped)',
      });
    });

    it('for one account: only that account', () => {
      const v = fold([session('TradingSessionStopped', 'acc1')], ready);
      expect(wantedPauses(v, 'acc1', SYM, T0)).toEqual(['sessionStopped']);
      expect(wantedPauses(v, 'acc2', SYM, T0)).toEqual([]);
    });

    it('an account still not traded for is rejected, not held back', () => {
      const v = fold([session('TradingSessionStopped', null)], ready);
      expect(targetStep(v, emptyAggregate('acc9', SYM), target('1'), T0, TOUCH, null, settings)._tag).toBe(
        'Reject',
      );
    });

    it('adds to a kill switch: each pause lifts on its own', () => {
      const v = fold(
        [
          rec('KillSwitchEngaged', { scope: 'account', accountId: 'acc1', reason: 'r' }),
          session('TradingSessionStopped', 'acc1'),
        ],
        ready,
      );
      expect(wantedPauses(v, 'acc1', SYM, T0)).toEqual(['killSwitch', 'sessionStopped']);
      expect(wantedPauses(fold([session('TradingSessionStarted', 'acc1')], v), 'acc1', SYM, T0)).toEqual([
        'killSwitch',
      ]);
    });
  });

  describe('started again', () => {
    it('the latest event covering the account decides: a global start overrides an account stop', () => {
      const stopped = fold([session('TradingSessionStopped', 'acc1')], ready);
      const started = fold([session('TradingSessionStarted', null)], stopped);
      expect(started.sessions).toEqual({ global: { state: 'trading' }, accounts: {} });
      expect(wantedPauses(started, 'acc1', SYM, T0)).toEqual([]);
      expect(targetStep(started, agg, target('1'), T0, TOUCH, null, settings)._tag).toBe('Decide');
    });

    it('an account start after a global stop trades that account only', () => {
      const v = fold(
        [session('TradingSessionStopped', null), session('TradingSessionStarted', 'acc1')],
        ready,
      );
      expect(isSessionStopped(v, 'acc1')).toBe(false);
      expect(isSessionStopped(v, 'acc2')).toBe(true);
    });

    it('the Resume command lifts the sessionStopped pause of a paused aggregate', () => {
      const state = run([
        setTarget(),
        { type: 'Pause', accountId: 'acc1', instrument: 'BTCUSDT', reason: 'sessionStopped', now: T0 },
      ]).state;
      const paused = { accountId: 'acc1', symbol: 'BTCUSDT', state };
      expect(pauseCommands(paused, [], T0 + 1)).toEqual([
        { type: 'Resume', accountId: 'acc1', instrument: 'BTCUSDT', reason: 'sessionStopped', now: T0 + 1 },
      ]);
    });
  });
});
