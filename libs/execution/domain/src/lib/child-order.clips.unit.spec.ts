/**
 * Clips, both styles, with the default policy (four clips per slice), and the queue-imbalance
 * rule (off by default). The parent of the fixtures: buy 1 BTC in 6 slices of 10 min, so a
 * slice is 0.1666… and a clip 0.042 (a quarter, rounded up to the 0.001 lot).
 *
 * `drive` plays a tiny venue: every taker fills in full at the touch at once; passive
 * children never fill (so the order falls behind and catches up). It ticks either every
 * `tickMs` or, like the engine, only when `nextWakeAt` asks or the touch (its sizes included)
 * changed since the last tick (the decisions must be the same).
 */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { clipQty, DEFAULT_POLICY, minTradable, PolicyConfig } from './child-order.policy';
import { ExecutionConfig, nextWakeAt, ParentOrderCommand } from './parent-order.decide';
import { ParentOrderEvent, ParentOrderState, Touch } from './parent-order.state';
import { sliceEnd, sliceIndexAt, targetByEndOf } from './twap.schedule';
import { BTC, cfg, MIN, ofType, run, setTarget, str, T0, touch, TOUCH } from '../testing/execution.fixtures';

type Request = Extract<ParentOrderEvent, { type: 'ChildOrderRequested' }>;
type Working = Extract<ParentOrderState, { status: 'Working' }>;

const CLIP = new Decimal('0.042');
const withPolicy = (over: Partial<PolicyConfig>): ExecutionConfig => ({
  ...cfg,
  policy: { ...cfg.policy, ...over },
});
const sized = (bidQty: string, askQty: string, t: Touch = TOUCH): Touch => ({
  ...t,
  bidQty: new Decimal(bidQty),
  askQty: new Decimal(askQty),
});
const tick = (now: number, t: Touch = TOUCH): ParentOrderCommand => ({
  type: 'Tick',
  now,
  touch: t,
  market: null,
});
const requests = (events: readonly ParentOrderEvent[]) =>
  ofType(events, 'ChildOrderRequested').map((e) => [e.kind, e.qty.toString(), e.reason]);
const working = (s: ParentOrderState): Working => {
  if (s.status !== 'Working') throw new Error(`not working: ${s.status}`);
  return s;
};

interface Driven {
  readonly state: ParentOrderState;
  readonly requests: readonly Request[];
  /** After every tick: [now, filled] */
  readonly filledAt: readonly (readonly [number, Decimal])[];
}

/** Run a parent order to its end (see the module header). */
const drive = (o: {
  readonly target: ParentOrderCommand;
  readonly config: ExecutionConfig;
  readonly tickMs: number;
  readonly skip: boolean;
  readonly touchAt?: (now: number) => Touch;
}): Driven => {
  const start = run([o.target], undefined, o.config);
  let state = start.state;
  const out: Request[] = [];
  const filledAt: [number, Decimal][] = [];
  let wakeAt: number | null = T0;
  let lastTouch = '';
  const apply = (cmds: readonly ParentOrderCommand[], now: number): ParentOrderEvent[] => {
    const r = run(cmds, state, o.config);
    state = r.state;
    if (r.events.length > 0) wakeAt = nextWakeAt(state, now, o.config);
    return r.events;
  };
  const deadline = working(state).parent.deadline;
  // Up to the first tick at or after the deadline: the one that completes it when nothing
  // asked to be woken sooner (a parent filled early completes at its next wake).
  for (let now = T0; now < deadline + o.tickMs && state.status === 'Working'; now += o.tickMs) {
    const t = o.touchAt ? o.touchAt(now) : TOUCH;
    const key = [t.bid, t.ask, t.bidQty, t.askQty].map((d) => d?.toFixed() ?? '').join('/');
    if (o.skip && key === lastTouch && (wakeAt === null || wakeAt > now)) continue;
    lastTouch = key;
    const events = apply([tick(now, t)], now);
    if (events.length === 0) wakeAt = nextWakeAt(state, now, o.config);
    for (const e of ofType(events, 'ChildOrderRequested')) {
      out.push(e);
      apply([{ type: 'RecordAccepted', clientOrderId: e.clientOrderId, now }], now);
      if (e.kind === 'taker')
        apply(
          [
            {
              type: 'RecordFill',
              clientOrderId: e.clientOrderId,
              tradeId: `f${e.seq}`,
              qty: e.qty,
              price: e.side === 'buy' ? t.ask : t.bid,
              fee: new Decimal(0),
              liquidity: 'taker',
              now,
            },
          ],
          now,
        );
    }
    for (const e of ofType(events, 'ChildOrderCancelRequested'))
      apply([{ type: 'RecordCancelled', clientOrderId: e.clientOrderId, now }], now);
    if (state.status === 'Working') filledAt.push([now, state.progress.filled]);
  }
  return { state, requests: out, filledAt };
};

const marketOnly = (over: Partial<Extract<ParentOrderCommand, { type: 'SetTarget' }>> = {}) =>
  setTarget({ style: 'marketOnly', ...over });
const summary = (rs: readonly Request[]) =>
  rs.map((e) => [e.occurredAt - T0, e.kind, e.qty.toString(), e.reason]);

describe('the clip', () => {
  it('is the mean slice over clipsPerSlice rounded up to the lot, at least the tradable minimum', () => {
    const s = working(run([setTarget()]).state).schedule;
    expect(DEFAULT_POLICY.clipsPerSlice).toBe(4);
    expect(clipQty(s, BTC, new Decimal('90000'), DEFAULT_POLICY).toString()).toBe('0.042');
    // 0.006 in 3 slices: a quarter of 0.002 is one lot, below the 100 USDT minimum (0.002 at 90,000).
    const small = working(run([setTarget({ targetPosition: '0.006', slices: 3 })]).state).schedule;
    expect(clipQty(small, BTC, new Decimal('90000'), DEFAULT_POLICY).toString()).toBe('0.002');
  });
});

describe("the market-only baseline ('marketOnly')", () => {
  it('sends clip-sized market orders at the slice start + j × slice / 4, never ahead of the schedule, each slice done by its end', () => {
    const d = drive({ target: marketOnly(), config: cfg, tickMs: 1000, skip: false });
    const sch = working(run([marketOnly()]).state).schedule;
    // Slice 0: four clips 150 s apart; the last only what completes the slice (0.166 = 3 × 0.042 + 0.040).
    expect(summary(d.requests).slice(0, 5)).toEqual([
      [0, 'taker', '0.042', 'slice'],
      [150_000, 'taker', '0.042', 'slice'],
      [300_000, 'taker', '0.042', 'slice'],
      [450_000, 'taker', '0.04', 'slice'],
      [600_000, 'taker', '0.042', 'slice'],
    ]);
    expect(d.requests).toHaveLength(24);
    for (const r of d.requests) expect(r.qty.lte(CLIP)).toBe(true);
    // Never ahead of the schedule: by any tick in slice k, at most the target at its end; at its end, exactly that.
    for (const [now, filled] of d.filledAt) {
      const k = Math.min(5, Math.floor((now - T0) / (10 * MIN)));
      expect(filled.lte(targetByEndOf(sch, k))).toBe(true);
      if (now === sliceEnd(sch, k) - 1000) expect(filled.toString()).toBe(targetByEndOf(sch, k).toString());
    }
    // The parent completes, filled, before its deadline.
    expect(d.state.status === 'Completed' && [d.state.reason, d.state.progress.filled.toString()]).toEqual([
      'filled',
      '1',
    ]);
  });

  it('wakes for each clip: skipping the ticks nextWakeAt says nothing happens in decides the same', () => {
    const every = drive({ target: marketOnly(), config: cfg, tickMs: 1000, skip: false });
    const woken = drive({ target: marketOnly(), config: cfg, tickMs: 1000, skip: true });
    expect(summary(woken.requests)).toEqual(summary(every.requests));
    const first = run([marketOnly(), tick(T0)]).state;
    expect(nextWakeAt(first, T0, cfg)).toBe(T0 + 150_000);
  });

  it('when a clip did not fill, takes the shortfall a clip a tick, never more than is due', () => {
    const s = run([marketOnly(), tick(T0)]);
    const clip0 = ofType(s.events, 'ChildOrderRequested')[0];
    if (!clip0) throw new Error('no clip');
    // The venue cancels the first clip unfilled (no liquidity): at 150 s two clips are due.
    const after = run(
      [{ type: 'RecordCancelled', clientOrderId: clip0.clientOrderId, now: T0 + 10 }, tick(T0 + 150_000)],
      s.state,
    );
    expect(requests(after.events)).toEqual([['taker', '0.042', 'slice']]);
    // The next clip goes on the next tick (it asks to be woken at once), not at 300 s.
    expect(nextWakeAt(after.state, T0 + 150_000, cfg)).toBe(T0 + 150_000);
    expect(requests(run([tick(T0 + 151_000)], after.state).events)).toEqual([['taker', '0.042', 'slice']]);
  });

  it('completes by the deadline, never ahead of the schedule, for any size, horizon and slice count (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5000 }),
        fc.integer({ min: 5, max: 240 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 6 }),
        (lots, minutes, slices, clips) => {
          const config = withPolicy({ clipsPerSlice: clips });
          const target = marketOnly({
            targetPosition: BTC.lotSize.times(lots).toString(),
            deadline: T0 + minutes * MIN,
            slices,
          });
          const d = drive({
            target,
            config,
            tickMs: Math.max(1000, Math.floor((minutes * MIN) / 720)),
            skip: true,
          });
          const sch = working(run([target], undefined, config).state).schedule;
          const clip = clipQty(sch, BTC, TOUCH.ask, config.policy);
          for (const r of d.requests) expect(r.qty.lt(clip.plus(minTradable(BTC, TOUCH.ask)))).toBe(true);
          // Never ahead of the slice's target, unless a clip took along a tail below the tradable
          // minimum (then it finished the parent: that tail could never trade alone).
          for (const [now, filled] of d.filledAt) {
            // The schedule's own slice (its boundaries are whole milliseconds: 16 min / 21 is not).
            const k = Math.min(slices - 1, sliceIndexAt(sch, now));
            expect(filled.lte(targetByEndOf(sch, k)) || filled.eq(sch.total)).toBe(true);
          }
          expect(d.state.status).toBe('Completed');
          if (d.state.status !== 'Completed') return;
          // All of it (but a residual nothing can trade) filled at a tick before the deadline.
          const beforeDeadline = d.filledAt.filter(([now]) => now < T0 + minutes * MIN).at(-1);
          expect(beforeDeadline?.[1].plus(d.state.residual).toString()).toBe(sch.total.toString());
          expect(d.state.reason).toBe('filled');
          expect(d.state.residual.lt(minTradable(BTC, TOUCH.ask))).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("the maker-first TWAP ('maker')", () => {
  it('posts the slice ahead as several resting clips at the bid', () => {
    const { events } = run([setTarget(), tick(T0)]);
    expect(
      ofType(events, 'ChildOrderRequested').map((e) => [e.kind, e.qty.toString(), e.limitPrice?.toString()]),
    ).toEqual([
      ['passive', '0.042', '90000'],
      ['passive', '0.042', '90000'],
      ['passive', '0.042', '90000'],
      ['passive', '0.04', '90000'],
    ]);
  });

  it('with maxRestingClips, only that many clips rest; the next is posted once one is done', () => {
    const one = withPolicy({ maxRestingClips: 1 });
    const first = run([setTarget(), tick(T0)], undefined, one);
    const req = ofType(first.events, 'ChildOrderRequested');
    expect(req.map((e) => [e.kind, e.qty.toString()])).toEqual([['passive', '0.042']]);
    const c = req[0] as Request;
    // Still resting a second later: nothing more.
    const accepted = run(
      [{ type: 'RecordAccepted', clientOrderId: c.clientOrderId, now: T0 + 50 }],
      first.state,
      one,
    );
    expect(ofType(run([tick(T0 + 1000)], accepted.state, one).events, 'ChildOrderRequested')).toEqual([]);
    // Filled: the next clip goes up at the next tick.
    const filled = run(
      [
        {
          type: 'RecordFill',
          clientOrderId: c.clientOrderId,
          tradeId: 'f1',
          qty: c.qty,
          price: new Decimal('90000'),
          fee: new Decimal(0),
          liquidity: 'maker',
          now: T0 + 1500,
        },
      ],
      accepted.state,
      one,
    );
    expect(requests(run([tick(T0 + 2000)], filled.state, one).events)).toEqual([
      ['passive', '0.042', 'post'],
    ]);
  });

  it('when behind by more than the tolerance, catches up a clip a tick down to the catch-up target', () => {
    const posted = run([setTarget(), tick(T0)]).state;
    // 45 min in, nothing filled: 0.75 due; it goes on to 0.75 − 0.25 slice (0.0416…): 0.708 in clips.
    let state = posted;
    const taken: string[] = [];
    for (let n = 0; n < 20; n++) {
      const now = T0 + 45 * MIN + n * 1000;
      const r = run([tick(now)], state);
      const takes = ofType(r.events, 'ChildOrderRequested').filter((e) => e.kind === 'taker');
      state = r.state;
      if (takes.length === 0) break;
      expect(takes.map((e) => [e.kind, e.reason])).toEqual([['taker', 'catchUp']]);
      taken.push(...takes.map((e) => e.qty.toString()));
      // The clip fills at once; while the catch-up goes on, it asks for the next tick.
      state = run(
        takes.map((e) => ({
          type: 'RecordFill' as const,
          clientOrderId: e.clientOrderId,
          tradeId: `t${e.seq}`,
          qty: e.qty,
          price: TOUCH.ask,
          fee: new Decimal(0),
          liquidity: 'taker' as const,
          now,
        })),
        state,
      ).state;
      if (taken.length < 16) expect(nextWakeAt(state, now, cfg)).toBe(now);
    }
    // 16 clips of 0.042, then it ends: at 45 min 16 s 0.754 is due, the floor (a quarter slice,
    // 0.0416…, under it) is 0.712, and 0.672 done leaves 0.040 above the floor, less than a whole
    // clip: no sliver is taken (the passive children carry on), and nothing after.
    expect(taken).toEqual(Array.from({ length: 16 }, () => '0.042'));
    expect(working(state).progress.filled.toString()).toBe('0.672');
  });

  it('a catch-up stops one clip interval after its last clip: the tolerance must be passed again', () => {
    const posted = run([setTarget(), tick(T0)]).state;
    const first = run([tick(T0 + 45 * MIN)], posted);
    expect(requests(first.events)).toEqual([['taker', '0.042', 'catchUp']]);
    // The clip is rejected; 150 s (a clip interval) later the lag (0.75 + 0.025) is still above the
    // tolerance, so it catches up again; had the lag fallen below it, it would not.
    const take = ofType(first.events, 'ChildOrderRequested')[0];
    const rejected = run(
      [
        {
          type: 'RecordRejected',
          clientOrderId: take?.clientOrderId ?? '',
          code: 'x',
          now: T0 + 45 * MIN + 5,
        },
      ],
      first.state,
    ).state;
    expect(requests(run([tick(T0 + 45 * MIN + 1000)], rejected).events)).toEqual([
      ['taker', '0.042', 'catchUp'],
    ]);
    const fakeFilled = {
      ...working(rejected),
      progress: { ...working(rejected).progress, filled: new Decimal('0.7') },
    };
    // 0.7 done at 45 min + 150 s (0.775 due): lag 0.45 slice, under the tolerance, the last clip 150 s old: nothing.
    expect(requests(run([tick(T0 + 45 * MIN + 150_000)], fakeFilled).events)).toEqual([]);
    // Within the interval, still above the floor (0.0416… slice): a clip.
    expect(requests(run([tick(T0 + 45 * MIN + 149_000)], fakeFilled).events)).toEqual([
      ['taker', '0.042', 'catchUp'],
    ]);
  });

  it('the final sweep takes everything left in one order, more than a clip, so it finishes by the deadline', () => {
    const posted = run([setTarget(), tick(T0)]).state;
    const { events } = run([tick(T0 + 60 * MIN - 20_000)], posted);
    expect(requests(events)).toEqual([['taker', '0.834', 'sweep']]);
  });

  it('decides the same when it skips the ticks nextWakeAt says nothing happens in, and completes by the deadline', () => {
    const every = drive({ target: setTarget(), config: cfg, tickMs: 1000, skip: false });
    const woken = drive({ target: setTarget(), config: cfg, tickMs: 1000, skip: true });
    expect(summary(woken.requests)).toEqual(summary(every.requests));
    // Only the sweep is larger than a clip.
    for (const r of every.requests) if (r.reason !== 'sweep') expect(r.qty.lte(CLIP)).toBe(true);
    expect(every.state.status === 'Completed' && every.state.reason).toBe('filled');
  });
});

describe('the queue-imbalance rule', () => {
  const ON = withPolicy({ imbalance: { take: 0.6, hold: 0.6, takeLagSlices: 0.1 } });
  const sell = setTarget({ currentPosition: '1', targetPosition: '0' });

  it('is off by default: sizes at the touch change nothing', () => {
    const posted = run([setTarget(), tick(T0)]).state;
    for (const t of [sized('9', '1'), sized('1', '9')])
      for (const now of [T0 + 1000, T0 + 3 * MIN, T0 + 45 * MIN])
        expect(str(run([tick(now, t)], posted).events)).toEqual(str(run([tick(now)], posted).events));
    expect(DEFAULT_POLICY.imbalance).toBeNull();
  });

  it('buy: with the bid queue heavy and the order behind, it takes a clip (at most what it is behind by)', () => {
    const posted = run([setTarget(), tick(T0)], undefined, ON).state;
    // 3 min in: 0.05 due, nothing done: 0.3 slice behind, more than 0.1.
    expect(requests(run([tick(T0 + 3 * MIN, sized('9', '1'))], posted, ON).events)).toEqual([
      ['taker', '0.042', 'catchUp'],
    ]);
    // 40 s in: 0.011 due, 0.066 slice behind: not enough behind, no take.
    expect(requests(run([tick(T0 + 40_000, sized('9', '1'))], posted, ON).events)).toEqual([]);
    // Balanced, or the ask queue heavy: no take.
    expect(requests(run([tick(T0 + 3 * MIN, sized('5', '5'))], posted, ON).events)).toEqual([]);
    expect(requests(run([tick(T0 + 3 * MIN, sized('1', '9'))], posted, ON).events)).toEqual([]);
    // A touch without sizes: no rule.
    expect(requests(run([tick(T0 + 3 * MIN)], posted, ON).events)).toEqual([]);
  });

  it('buy: with the ask queue heavy (the bid about to be consumed), it posts one tick under the bid, and keeps children already there', () => {
    const started = run([setTarget()], undefined, ON).state;
    const held = run([tick(T0, sized('1', '9'))], started, ON);
    expect(ofType(held.events, 'ChildOrderRequested').map((e) => e.limitPrice?.toString())).toEqual([
      '89999.9',
      '89999.9',
      '89999.9',
      '89999.9',
    ]);
    // Balanced again: our touch is a tick above them, so they are repriced to the bid.
    const accepted = run(
      ofType(held.events, 'ChildOrderRequested').map((e) => ({
        type: 'RecordAccepted' as const,
        clientOrderId: e.clientOrderId,
        now: T0 + 50,
      })),
      held.state,
      ON,
    ).state;
    const again = run([tick(T0 + 1000, sized('5', '5'))], accepted, ON);
    expect(ofType(again.events, 'ChildOrderCancelRequested').map((e) => e.reason)).toEqual([
      'reprice',
      'reprice',
      'reprice',
      'reprice',
    ]);
    const posted = run([setTarget(), tick(T0)], undefined, ON).state;
    // Children resting at the bid keep their queue place when the hold starts (no cancel).
    expect(run([tick(T0 + 1000, sized('1', '9'))], posted, ON).events).toEqual([]);
    // A wide spread: not one tick inside, one tick under the bid.
    const wide = run([tick(T0, sized('1', '9', touch('90000.0', '90000.5')))], started, ON);
    expect(ofType(wide.events, 'ChildOrderRequested')[0]?.limitPrice?.toString()).toBe('89999.9');
  });

  it('sell: the mirror — the ask queue heavy takes, the bid queue heavy posts one tick above the ask', () => {
    const posted = run([sell, tick(T0)], undefined, ON).state;
    expect(requests(run([tick(T0 + 3 * MIN, sized('1', '9'))], posted, ON).events)).toEqual([
      ['taker', '0.042', 'catchUp'],
    ]);
    expect(requests(run([tick(T0 + 3 * MIN, sized('9', '1'))], posted, ON).events)).toEqual([]);
    const started = run([sell], undefined, ON).state;
    expect(
      ofType(run([tick(T0, sized('9', '1'))], started, ON).events, 'ChildOrderRequested').map((e) =>
        e.limitPrice?.toString(),
      ),
    ).toEqual(['90000.2', '90000.2', '90000.2', '90000.2']);
    expect(
      ofType(
        run([tick(T0, sized('5', '5'))], started, ON).events,
        'ChildOrderRequested',
      )[0]?.limitPrice?.toString(),
    ).toBe('90000.1');
  });

  it('withdraw: with our queue the light one it cancels what rests and posts nothing until it recovers (both sides)', () => {
    const W = withPolicy({ imbalance: { take: 2, hold: 2, takeLagSlices: 1, withdraw: 0.6 } });
    const accept = (r: ReturnType<typeof run>, now: number) =>
      run(
        ofType(r.events, 'ChildOrderRequested').map((e) => ({
          type: 'RecordAccepted' as const,
          clientOrderId: e.clientOrderId,
          now,
        })),
        r.state,
        W,
      ).state;
    for (const [target, light, heavy] of [
      [setTarget(), sized('1', '9'), sized('9', '1')],
      [sell, sized('9', '1'), sized('1', '9')],
    ] as const) {
      const posted = accept(run([target, tick(T0, heavy)], undefined, W), T0 + 50);
      const out = run([tick(T0 + 1000, light)], posted, W);
      expect(ofType(out.events, 'ChildOrderCancelRequested').map((e) => e.reason)).toEqual([
        'imbalance',
        'imbalance',
        'imbalance',
        'imbalance',
      ]);
      expect(ofType(out.events, 'ChildOrderRequested')).toEqual([]);
      // Nothing rests while it lasts; once the queues are even it posts again.
      const started = run([target], undefined, W).state;
      expect(ofType(run([tick(T0, light)], started, W).events, 'ChildOrderRequested')).toEqual([]);
      expect(ofType(run([tick(T0, sized('5', '5'))], started, W).events, 'ChildOrderRequested')).toHaveLength(
        4,
      );
    }
    // Off unless set: the default rule has no withdraw.
    expect(DEFAULT_POLICY.imbalance?.withdraw ?? null).toBeNull();
  });

  it('decides the same when it skips the ticks nothing happens in, with the sizes changing and every rule on', () => {
    const ALL = withPolicy({ imbalance: { take: 0.8, hold: 0.6, withdraw: 0.3, takeLagSlices: 0.1 } });
    const sizes = fc.array(fc.constantFrom(['5', '5'], ['1', '9'], ['3', '7'], ['9', '1'], ['6', '4']), {
      minLength: 2,
      maxLength: 12,
    });
    fc.assert(
      fc.property(sizes, fc.integer({ min: 1, max: 90 }), fc.boolean(), (pattern, periodSec, buy) => {
        const touchAt = (now: number): Touch => {
          const [b, a] = pattern[Math.floor((now - T0) / (periodSec * 1000)) % pattern.length] ?? ['5', '5'];
          return sized(b, a);
        };
        const target = buy ? setTarget() : sell;
        const every = drive({ target, config: ALL, tickMs: 1000, skip: false, touchAt });
        const woken = drive({ target, config: ALL, tickMs: 1000, skip: true, touchAt });
        expect(summary(woken.requests)).toEqual(summary(every.requests));
        expect(every.state.status === 'Completed' && every.state.reason).toBe('filled');
      }),
      { numRuns: 6, seed: 18 },
    );
    // The rules act in such a run: it is not the run without them.
    const light = (now: number): Touch =>
      Math.floor((now - T0) / 20_000) % 2 === 0 ? sized('1', '9') : sized('9', '1');
    expect(
      summary(drive({ target: setTarget(), config: ALL, tickMs: 1000, skip: true, touchAt: light }).requests),
    ).not.toEqual(
      summary(drive({ target: setTarget(), config: cfg, tickMs: 1000, skip: true, touchAt: light }).requests),
    );
  });

  it('asks to be woken when the lag passes the take threshold (the touch wakes it otherwise)', () => {
    const posted = run([setTarget(), tick(T0)], undefined, ON).state;
    // 0.1 slice = 0.0166…: the target exceeds it at 0.017, i.e. at 61.2 s.
    expect(nextWakeAt(posted, T0, ON)).toBe(T0 + 61_200);
    expect(nextWakeAt(posted, T0, cfg)).toBe(T0 + 453_600);
  });
});
