import type { RecordedEvent } from '@keel/events';
import { settleWatch } from './soak.settle';

const A = 'soak-1';
const I = 'BTC/USDT:USDT';
const target = { id: 't9', qty: '0.25', account: A, instrument: I };

const feed = (...events: [string, Record<string, unknown>][]) => {
  const watch = settleWatch(target);
  events.forEach(([type, data], i) =>
    watch.add({
      type,
      data: { accountId: A, instrument: I, ...data },
      globalPosition: i + 1,
    } as unknown as RecordedEvent),
  );
  return watch;
};
const started: [string, Record<string, unknown>] = [
  'ParentOrderStarted',
  { targetId: 't9', parentOrderId: 'p9' },
];
const child = (cid: string, qty: string): [string, Record<string, unknown>] => [
  'ChildOrderRequested',
  { parentOrderId: 'p9', clientOrderId: cid, qty },
];
const venueFill = (tradeId: string): [string, Record<string, unknown>] => ['OrderFilled', { tradeId }];
const childFill = (cid: string, qty: string): [string, Record<string, unknown>] => [
  'ChildOrderFilled',
  { parentOrderId: 'p9', clientOrderId: cid, qty },
];
const report = (qty: string): [string, Record<string, unknown>] => [
  'PositionReported',
  { positions: [{ instrument: I, qty }] },
];
const deadline = (residual: string): [string, Record<string, unknown>] => [
  'ParentOrderCompleted',
  { parentOrderId: 'p9', reason: 'deadline', residual },
];

describe('soak settle watch', () => {
  it('settles with nothing short once the parent filled, its fills recorded and reported', () => {
    const w = feed(
      started,
      child('c1', '0.25'),
      venueFill('x1'),
      childFill('c1', '0.25'),
      ['ParentOrderCompleted', { parentOrderId: 'p9', reason: 'filled', residual: '0' }],
      report('0.25'),
    );
    expect(w.outcome([{ tradeId: 'x1' }])).toEqual({ _tag: 'settled', shortBy: null });
  });

  it('waits for the parent, an unrecorded venue fill, and a report after the last fill', () => {
    expect(feed().outcome([])._tag).toBe('waiting');
    expect(feed(started, child('c1', '0.25')).outcome([])).toMatchObject({
      why: expect.stringMatching(/working/),
    });
    const done = [started, child('c1', '0.25'), venueFill('x1'), childFill('c1', '0.25'), deadline('0')];
    expect(feed(...done, report('0.25')).outcome([{ tradeId: 'x1' }, { tradeId: 'x2' }])).toMatchObject({
      why: '1 venue fill(s) not recorded',
    });
    expect(feed(report('0'), ...done).outcome([{ tradeId: 'x1' }])).toMatchObject({
      why: 'no position report after the last fill',
    });
  });

  it("judges a deadline residual only once the parent's children are closed: a late sweep fill can make it up", () => {
    // The sweep's taker order is still on its way when the deadline cancels it: 0.022 short then.
    const atDeadline = [
      started,
      child('c1', '0.228'),
      venueFill('x1'),
      childFill('c1', '0.228'),
      child('c2', '0.022'),
      deadline('0.022'),
      report('0.228'),
    ] as const;
    expect(feed(...atDeadline).outcome([{ tradeId: 'x1' }])).toMatchObject({
      why: '1 child order(s) of p9 still open',
    });
    // It fills after all: the account holds the target, nothing to set again.
    expect(
      feed(...atDeadline, venueFill('x2'), childFill('c2', '0.022'), report('0.25')).outcome([
        { tradeId: 'x1' },
        { tradeId: 'x2' },
      ]),
    ).toEqual({ _tag: 'settled', shortBy: null });
    // Its cancel wins instead: the account is short by the residual.
    expect(
      feed(...atDeadline, ['ChildOrderCancelled', { parentOrderId: 'p9', clientOrderId: 'c2' }]).outcome([
        { tradeId: 'x1' },
      ]),
    ).toEqual({ _tag: 'settled', shortBy: '0.022' });
    // Part of it fills before the cancel: short by the rest.
    expect(
      feed(
        ...atDeadline,
        venueFill('x2'),
        childFill('c2', '0.01'),
        ['ChildOrderCancelled', { parentOrderId: 'p9', clientOrderId: 'c2' }],
        report('0.238'),
      ).outcome([{ tradeId: 'x1' }, { tradeId: 'x2' }]),
    ).toEqual({ _tag: 'settled', shortBy: '0.012' });
  });

  it('judges a follow-up parent order of the same target by its own children and completion', () => {
    const first = [
      started,
      child('c1', '0.25'),
      ['ChildOrderCancelled', { parentOrderId: 'p9', clientOrderId: 'c1' }],
      deadline('0.25'),
      report('0'),
    ] as [string, Record<string, unknown>][];
    expect(feed(...first).outcome([])).toEqual({ _tag: 'settled', shortBy: '0.25' });
    const followUp: [string, Record<string, unknown>][] = [
      ['ParentOrderStarted', { targetId: 't9', parentOrderId: 'p9b' }],
      ['ChildOrderRequested', { parentOrderId: 'p9b', clientOrderId: 'c2', qty: '0.25' }],
    ];
    expect(feed(...first, ...followUp).outcome([])).toMatchObject({ why: 'parent order p9b still working' });
    expect(
      feed(
        ...first,
        ...followUp,
        venueFill('x2'),
        ['ChildOrderFilled', { parentOrderId: 'p9b', clientOrderId: 'c2', qty: '0.25' }],
        ['ParentOrderCompleted', { parentOrderId: 'p9b', reason: 'filled', residual: '0' }],
        report('0.25'),
      ).outcome([{ tradeId: 'x2' }]),
    ).toEqual({ _tag: 'settled', shortBy: null });
  });

  it("judges a target set again by its own parent, and ignores other accounts' reports", () => {
    const w = feed(
      ['ParentOrderStarted', { targetId: 't8', parentOrderId: 'p8' }],
      ['ChildOrderRequested', { parentOrderId: 'p8', clientOrderId: 'c0', qty: '1' }],
      started,
      child('c1', '0.25'),
      venueFill('x1'),
      childFill('c1', '0.25'),
      deadline('0'),
      report('0.25'),
    );
    w.add({
      type: 'PositionReported',
      data: { accountId: 'other', positions: [{ instrument: I, qty: '7' }] },
      globalPosition: 99,
    } as unknown as RecordedEvent);
    expect(w.outcome([{ tradeId: 'x1' }])).toEqual({ _tag: 'settled', shortBy: null });
  });
});
