/**
 * An aggregate's snapshot restores exactly what was saved, in every status a parent order goes
 * through (decimals, the instrument's rules, children, fills, a pending target, late children),
 * and one that is not an aggregate of the stream is refused (the stream is then folded).
 */
import Decimal from 'decimal.js';
import { ParentOrderEvent, ParentOrderState } from '@keel/execution-domain';
import { MIN, run, setTarget, T0, TOUCH } from '@keel/execution-domain/testing';
import type { Held } from './execution.context';
import { fromSnapshotJson, heldFromSnapshot, toSnapshotJson } from './execution.snapshot';

const STREAM = 'execution-acc1.BTCUSDT';
const held = (state: ParentOrderState, started = 1): Held => ({
  agg: { accountId: 'acc1', symbol: 'BTCUSDT', stream: STREAM, revision: 41, state },
  lastTaken: 'tgt1',
  started,
});
/** Through JSON as the store keeps it. */
const stored = (h: Held): unknown => JSON.parse(JSON.stringify(toSnapshotJson(h)));

/** The states of one parent order: working with children, a fill, superseding, completed with a late child. */
const states = (): ParentOrderState[] => {
  const out: ParentOrderState[] = [];
  const started = run([setTarget(), { type: 'Tick', now: T0 + 1_000, touch: TOUCH, market: null }]);
  out.push(started.state);
  const child = started.events.find(
    (e): e is Extract<ParentOrderEvent, { type: 'ChildOrderRequested' }> => e.type === 'ChildOrderRequested',
  );
  if (!child) throw new Error('no child order');
  const filled = run(
    [
      { type: 'RecordAccepted', clientOrderId: child.clientOrderId, now: T0 + 2_000 },
      {
        type: 'RecordFill',
        clientOrderId: child.clientOrderId,
        tradeId: 't-1',
        qty: new Decimal('0.001'),
        price: new Decimal('90000.0'),
        fee: new Decimal('-0.0009'),
        liquidity: 'maker',
        now: T0 + 3_000,
      },
    ],
    started.state,
  );
  out.push(filled.state);
  out.push(
    run([setTarget({ targetId: 'tgt2', targetPosition: '-0.5', now: T0 + 4_000 })], filled.state).state,
  );
  out.push(run([{ type: 'Tick', now: T0 + 61 * MIN, touch: TOUCH, market: null }], filled.state).state);
  return out;
};

describe('execution aggregate snapshots', () => {
  it('restore every status of a parent order exactly, decimals as decimals', () => {
    const all = states();
    expect(all.map((s) => s.status)).toEqual(['Working', 'Working', 'Superseding', 'Completed']);
    const completed = all[3];
    expect(completed?.status === 'Completed' && completed.lateChildren.length).toBeGreaterThan(0);
    for (const s of all) {
      const h = held(s);
      const back = heldFromSnapshot(stored(h), STREAM);
      expect(back).toEqual(h);
      expect(back?.agg.state.position).toBeInstanceOf(Decimal);
      // Equal as JSON too: nothing was turned into a string or lost on the way.
      expect(toSnapshotJson(back)).toEqual(toSnapshotJson(h));
    }
  });

  it('keep non-finite numbers and leave out undefined fields', () => {
    expect(
      fromSnapshotJson(
        JSON.parse(JSON.stringify(toSnapshotJson({ a: Infinity, b: -Infinity, c: undefined }))),
      ),
    ).toEqual({
      a: Infinity,
      b: -Infinity,
    });
  });

  it("refuse what is not an aggregate of the stream: another stream's, a bad decimal, anything else", () => {
    const h = stored(held(states()[1]!));
    expect(heldFromSnapshot(h, 'execution-acc2.BTCUSDT')).toBeNull();
    expect(heldFromSnapshot(null, STREAM)).toBeNull();
    expect(heldFromSnapshot({ n: 1 }, STREAM)).toBeNull();
    const bad = JSON.parse(JSON.stringify(h).replace(/"\$decimal":"[^"]*"/, '"$decimal":"abc"'));
    expect(heldFromSnapshot(bad, STREAM)).toBeNull();
  });
});
