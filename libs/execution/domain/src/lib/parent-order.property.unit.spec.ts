/**
 * Properties of the decider under random markets (fast-check): a tiny in-spec venue
 * answers every child (random passive fills, takers filled in full when liquidity allows,
 * cancels closed after a random late fill) while the touch random-walks.
 *
 * - never overshoots: filled + open children ≤ the parent's quantity, at every step;
 * - every child is on the lot grid and ≥ the tradable minimum at its reference price, and at
 *   most a clip outside the final sweep;
 * - with liquidity for takers it completes, filled, by the deadline;
 * - a new target mid-way never double-trades: the final position is the new target.
 */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { clipQty, minTradable } from './child-order.policy';
import { ParentOrderCommand } from './parent-order.decide';
import { childOpenQty, ParentOrderEvent, ParentOrderState } from './parent-order.state';
import { BTC, cfg, MIN, ofType, run as runWith, setTarget, T0, touch } from '../testing/execution.fixtures';

// Sweep over the last half slice, so the sweep always spans several of this spec's ticks.
const spec = { ...cfg, policy: { ...cfg.policy, finalSweepMs: Number.MAX_SAFE_INTEGER } };
const run = (cmds: readonly ParentOrderCommand[], from?: ParentOrderState) => runWith(cmds, from, spec);

interface Scenario {
  readonly steps: readonly { dPrice: number; fillFrac: number; late: number }[];
  readonly lots: number;
  readonly minutes: number;
  readonly slices: number;
  readonly supersedeAt: number | null;
  readonly newTargetLots: number;
}

const arbScenario: fc.Arbitrary<Scenario> = fc.record({
  steps: fc.array(
    fc.record({
      dPrice: fc.integer({ min: -3, max: 3 }),
      fillFrac: fc.double({ min: 0, max: 1, noNaN: true }),
      late: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { minLength: 50, maxLength: 50 },
  ),
  lots: fc.integer({ min: 2, max: 20_000 }),
  minutes: fc.integer({ min: 5, max: 600 }),
  slices: fc.integer({ min: 1, max: 30 }),
  supersedeAt: fc.option(fc.double({ min: 0.05, max: 0.9, noNaN: true })),
  newTargetLots: fc.integer({ min: -20_000, max: 20_000 }),
});

/** Drive the decider through a scenario; checks the per-step invariants; returns the end state. */
const simulate = (
  sc: Scenario,
  takerLiquidity: boolean,
): { state: ParentOrderState; position: Decimal; target: Decimal; log: ParentOrderEvent[] } => {
  const lot = BTC.lotSize;
  const qty = lot.times(sc.lots);
  const deadline = T0 + sc.minutes * MIN;
  let target = qty;
  const started = run([setTarget({ targetPosition: qty.toString(), deadline, slices: sc.slices })]);
  let state = started.state;
  let position = new Decimal(0);
  let price = new Decimal('90000');
  let seq = 0;
  // The final sweep (half a slice here) spans several ticks: one to cancel, one to take the rest.
  const tickMs = Math.max(1000, Math.floor((deadline - T0) / 240));
  const pendingCancels: string[] = [];
  let superseded = false;
  // Every event, the first parent's start included (the supersede property finds the next parent as the second start).
  const log: ParentOrderEvent[] = [...started.events];

  const apply = (cmds: ParentOrderCommand[]): ParentOrderEvent[] => {
    const r = run(cmds, state);
    state = r.state;
    log.push(...r.events);
    // Every cancel (from a tick, a pause or a new target) is answered on the next step.
    for (const e of ofType(r.events, 'ChildOrderCancelRequested')) pendingCancels.push(e.clientOrderId);
    return r.events;
  };
  const fill = (cid: string, q: Decimal, p: Decimal, liquidity: 'maker' | 'taker', now: number): void => {
    const before = state;
    apply([
      {
        type: 'RecordFill',
        clientOrderId: cid,
        tradeId: `f${seq++}`,
        qty: q,
        price: p,
        fee: new Decimal(0),
        liquidity,
        now,
      },
    ]);
    if (before !== state && state.status !== 'Idle')
      position = position.plus(state.parent.side === 'buy' ? q : q.neg());
  };

  for (let i = 0, t = T0; state.status !== 'Completed' && t <= deadline + 5 * tickMs; i++) {
    t += tickMs;
    const step = sc.steps[i % sc.steps.length] as Scenario['steps'][number];
    price = Decimal.max(new Decimal('1000'), price.plus(new Decimal(step.dPrice).times(BTC.tickSize)));
    const tb = touch(price.toString(), price.plus(BTC.tickSize).toString());
    // Cancels requested last step close now, after a possible late fill.
    for (const cid of pendingCancels.splice(0)) {
      const ch =
        state.status === 'Working' || state.status === 'Superseding'
          ? state.children.find((c) => c.clientOrderId === cid)
          : undefined;
      if (ch && step.late > 0.5) {
        const q = childOpenQty(ch).times(step.late).div(lot).floor().times(lot);
        if (q.gt(0)) fill(cid, q, ch.price ?? price, 'maker', t);
      }
      apply([{ type: 'RecordCancelled', clientOrderId: cid, now: t }]);
    }
    // Random passive fills on working children.
    if (state.status === 'Working' || state.status === 'Superseding')
      for (const ch of state.children.filter((c) => c.kind === 'passive' && c.status === 'Working')) {
        const q = childOpenQty(ch).times(step.fillFrac).div(lot).floor().times(lot);
        if (q.gt(0) && step.fillFrac > 0.3) fill(ch.clientOrderId, q, ch.price ?? price, 'maker', t);
      }
    if (
      !superseded &&
      sc.supersedeAt !== null &&
      t >= T0 + sc.supersedeAt * (deadline - T0) &&
      t < deadline - tickMs
    ) {
      superseded = true;
      target = lot.times(sc.newTargetLots);
      apply([
        setTarget({
          targetId: 'tgt2',
          targetPosition: target.toString(),
          currentPosition: position.toString(),
          start: t,
          now: t,
          deadline,
          slices: sc.slices,
          touch: tb,
        }),
      ]);
    }
    const events = apply([{ type: 'Tick', now: t, touch: tb, market: null }]);
    for (const e of ofType(events, 'ChildOrderRequested')) {
      // Every child: on the lot grid, ≥ the minimum at its reference price.
      const ref = e.limitPrice ?? tb.ask;
      expect(e.qty.mod(lot).isZero()).toBe(true);
      expect(e.qty.gte(minTradable(BTC, ref))).toBe(true);
      // At most a clip but in the sweep (a clip may take along a tail below the minimum).
      if (e.reason !== 'sweep' && state.status === 'Working')
        expect(e.qty.lt(clipQty(state.schedule, BTC, ref, spec.policy).plus(minTradable(BTC, ref)))).toBe(
          true,
        );
      apply([{ type: 'RecordAccepted', clientOrderId: e.clientOrderId, now: t }]);
      if (e.kind === 'taker') {
        if (takerLiquidity) fill(e.clientOrderId, e.qty, tb.ask, 'taker', t);
        apply([{ type: 'RecordCancelled', clientOrderId: e.clientOrderId, now: t }]);
      }
    }
    // Never overshoot: filled + open children ≤ the parent's quantity.
    if (state.status === 'Working' || state.status === 'Superseding') {
      const open = state.children.reduce((a, c) => a.plus(childOpenQty(c)), new Decimal(0));
      expect(state.progress.filled.plus(open).lte(state.parent.qty)).toBe(true);
    }
  }
  return { state, position, target, log };
};

describe('parent order under random markets (properties)', () => {
  it('never overshoots, sends only tradable lot-multiple children, and completes by the deadline when takers fill', () => {
    fc.assert(
      fc.property(arbScenario, (sc) => {
        const { state, position, target } = simulate({ ...sc, supersedeAt: null }, true);
        expect(state.status).toBe('Completed');
        if (state.status !== 'Completed') return;
        expect(state.reason).toBe('filled');
        expect(state.finishedAt).toBeLessThanOrEqual(T0 + sc.minutes * MIN);
        // All of it, or all but a residual too small to trade (a cancelled child's late partial fill).
        expect(position.plus(state.residual).toString()).toBe(target.toString());
        expect(state.residual.lt(minTradable(BTC, new Decimal('1000')))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('a new target mid-way never double-trades: the position ends at the new target, never beyond it', () => {
    fc.assert(
      fc.property(
        arbScenario.filter((s) => s.supersedeAt !== null && s.supersedeAt <= 0.7),
        (sc) => {
          const { state, position, target, log } = simulate(sc, true);
          const next = ofType(log, 'ParentOrderStarted').slice(1)[0];
          const gap = target.minus(position);
          // Never beyond the new target in the direction the next order trades.
          if (next) expect(gap.isZero() || gap.isPositive() === (next.side === 'buy')).toBe(true);
          // And all the way there (within the smallest tradable change) when it completes filled.
          if (state.status === 'Completed' && state.reason === 'filled')
            expect(gap.abs().lt(minTradable(BTC, new Decimal('1000')))).toBe(true);
          else if (next) expect(state.status === 'Completed' && state.reason).toBe('deadline');
          // No next order: the target was already held, or within the smallest tradable change.
          else expect(gap.abs().lt(minTradable(BTC, new Decimal('1000')))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('without taker liquidity it still never overshoots and stops at the deadline', () => {
    fc.assert(
      fc.property(arbScenario, (sc) => {
        const { state, position } = simulate({ ...sc, supersedeAt: null }, false);
        expect(state.status).toBe('Completed');
        expect(position.lte(BTC.lotSize.times(sc.lots))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
