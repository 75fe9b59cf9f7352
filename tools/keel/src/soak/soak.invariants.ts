/**
 * What a soak must show at its end, judged from the venue's own record, the store and the bus:
 * pure functions of those facts, so each can be shown to fail (soak.invariants.unit.spec.ts).
 *
 * - no order placed twice at the venue, and no child order requested twice;
 * - nothing acknowledged was lost: every stored event went out on the bus once and in order,
 *   nothing was dead-lettered, every command the gateway took was answered, every venue fill
 *   was recorded once and reached execution once;
 * - position = Σ fills, at the venue, in the store and in the gateway's last report, and it is
 *   the last target;
 * - cost flat: heap, per-event handler time and time to ready of the second half of the run
 *   against the first (a restarted app that refolded history would grow with it): heap by the
 *   median of each half, CPU by the best (lowest), as benchmarks take the best of N runs.
 */
import Decimal from 'decimal.js';
import type { RecordedEvent } from '@keel/events';
import type { Fill, Position } from '@keel/venue-domain';

export interface SoakInvariant {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface SoakFacts {
  /** Every stored event, in global order. */
  readonly events: readonly RecordedEvent[];
  readonly account: string;
  readonly instrument: string;
  readonly venue: {
    readonly applied: ReadonlyMap<string, number>;
    readonly fills: readonly Fill[];
    readonly positions: readonly Position[];
  };
  /** The `Keel-Position` of every message on the events stream, in stream order. */
  readonly busPositions: readonly number[];
  /** Dead letters per consumer. */
  readonly deadLetters: Readonly<Record<string, number>>;
  /** The last target the soak set: its event id and quantity. */
  readonly lastTarget: { readonly id: string; readonly qty: string };
  /** Exits nobody asked for (an app that crashed on its own), by app. */
  readonly crashes: Readonly<Record<string, number>>;
}

const count = <K>(xs: readonly K[]): Map<K, number> => {
  const m = new Map<K, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};
const repeated = <K>(m: ReadonlyMap<K, number>): K[] => [...m].filter(([, n]) => n > 1).map(([k]) => k);
const few = (xs: readonly unknown[], n = 5): string =>
  xs.length === 0
    ? ''
    : `${xs.slice(0, n).map(String).join(', ')}${xs.length > n ? ` … (${xs.length})` : ''}`;
const ofType = <T extends RecordedEvent['type']>(es: readonly RecordedEvent[], t: T): RecordedEvent<T>[] =>
  es.filter((e) => e.type === t) as unknown as RecordedEvent<T>[];
const signed = (side: string, qty: Decimal.Value): Decimal =>
  side === 'buy' ? new Decimal(qty) : new Decimal(qty).neg();

export const soakInvariants = (f: SoakFacts): SoakInvariant[] => {
  const es = f.events;
  const out: SoakInvariant[] = [];

  // ---- nothing doubled ------------------------------------------------------------------------
  const twice = repeated(f.venue.applied);
  out.push({
    name: 'no order placed twice at the venue',
    pass: twice.length === 0,
    detail:
      twice.length === 0
        ? `${f.venue.applied.size} client order ids, each applied once`
        : `applied more than once: ${few(twice)}`,
  });
  const requests = ofType(es, 'ChildOrderRequested');
  const requestedTwice = repeated(count(requests.map((e) => e.data.clientOrderId)));
  out.push({
    name: 'no child order requested twice',
    pass: requestedTwice.length === 0,
    detail:
      requestedTwice.length === 0
        ? `${requests.length} child orders, each id once`
        : `requested more than once: ${few(requestedTwice)}`,
  });

  // ---- nothing lost --------------------------------------------------------------------------
  const head = es.length === 0 ? 0 : es[es.length - 1]!.globalPosition;
  const onBus = count(f.busPositions);
  const stored = es.map((e) => e.globalPosition);
  const missing = stored.filter((p) => !onBus.has(p));
  const dupOnBus = repeated(onBus);
  const unordered = f.busPositions.findIndex((p, i) => i > 0 && p <= f.busPositions[i - 1]!);
  const foreign = [...onBus.keys()].filter((p) => p > head);
  out.push({
    name: 'every stored event went out on the bus once, in order',
    pass: missing.length === 0 && dupOnBus.length === 0 && unordered < 0 && foreign.length === 0,
    detail:
      `${es.length} stored (head ${head}), ${f.busPositions.length} on the bus` +
      (missing.length ? `; missing: ${few(missing)}` : '') +
      (dupOnBus.length ? `; twice: ${few(dupOnBus)}` : '') +
      (unordered >= 0 ? `; out of order at message ${unordered + 1}` : '') +
      (foreign.length ? `; past the store's head: ${few(foreign)}` : ''),
  });
  const lettered = Object.entries(f.deadLetters).filter(([, n]) => n > 0);
  out.push({
    name: 'nothing dead-lettered',
    pass: lettered.length === 0,
    detail:
      lettered.length === 0
        ? `consumers ${Object.keys(f.deadLetters).join(', ')}: none`
        : lettered.map(([c, n]) => `${c}: ${n}`).join(', '),
  });
  const answered = new Set(
    [...ofType(es, 'OrderAccepted'), ...ofType(es, 'OrderRejected')].map((e) => e.data.clientOrderId),
  );
  const unanswered = requests
    .filter((e) => !answered.has(e.data.clientOrderId))
    .map((e) => e.data.clientOrderId);
  out.push({
    name: 'every child order answered by the gateway',
    pass: unanswered.length === 0,
    detail:
      unanswered.length === 0
        ? `${requests.length} requested, each accepted or rejected`
        : `never answered: ${few(unanswered)}`,
  });
  const recorded = ofType(es, 'OrderFilled').filter((e) => e.data.accountId === f.account);
  const recordedByTrade = count(recorded.map((e) => e.data.tradeId));
  const venueTrades = new Set(f.venue.fills.map((x) => x.tradeId));
  const unrecorded = [...venueTrades].filter((t) => !recordedByTrade.has(t));
  const invented = [...recordedByTrade.keys()].filter((t) => !venueTrades.has(t));
  const recordedTwice = repeated(recordedByTrade);
  out.push({
    name: 'every venue fill recorded once',
    pass: unrecorded.length === 0 && invented.length === 0 && recordedTwice.length === 0,
    detail:
      `${venueTrades.size} venue fills, ${recorded.length} recorded` +
      (unrecorded.length ? `; not recorded: ${few(unrecorded)}` : '') +
      (invented.length ? `; not at the venue: ${few(invented)}` : '') +
      (recordedTwice.length ? `; twice: ${few(recordedTwice)}` : ''),
  });
  const children = new Set(requests.map((e) => e.data.clientOrderId));
  const childFills = recorded.filter((e) => children.has(e.data.clientOrderId));
  const reached = count(ofType(es, 'ChildOrderFilled').map((e) => e.data.tradeId));
  const notReached = childFills.filter((e) => !reached.has(e.data.tradeId)).map((e) => e.data.tradeId);
  const reachedTwice = repeated(reached);
  out.push({
    name: 'every fill of a child order reached execution once',
    pass: notReached.length === 0 && reachedTwice.length === 0 && reached.size === childFills.length,
    detail:
      `${childFills.length} fills of child orders, ${reached.size} in execution` +
      (notReached.length ? `; missing: ${few(notReached)}` : '') +
      (reachedTwice.length ? `; twice: ${few(reachedTwice)}` : ''),
  });
  const taken = es.some(
    (e) =>
      (e.type === 'ParentOrderStarted' && e.data.targetId === f.lastTarget.id) ||
      (e.type === 'ParentOrderSuperseded' && e.data.next.targetId === f.lastTarget.id),
  );
  out.push({
    name: 'the last target was taken up',
    pass: taken,
    detail: taken ? `target ${f.lastTarget.id}` : `no parent order for target ${f.lastTarget.id}`,
  });
  const crashed = Object.entries(f.crashes).filter(([, n]) => n > 0);
  out.push({
    name: 'no app exited on its own',
    pass: crashed.length === 0,
    detail:
      crashed.length === 0
        ? 'every exit was a kill the soak made'
        : `${crashed.map(([a, n]) => `${a} ${n}×`).join(', ')} (see the logs)`,
  });

  // ---- position = Σ fills ---------------------------------------------------------------------
  const atVenue = new Decimal(
    f.venue.positions.find((p) => p.symbol === f.instrument)?.qty.toString() ?? '0',
  );
  const venueSum = f.venue.fills
    .filter((x) => x.symbol === f.instrument)
    .reduce((a, x) => a.plus(signed(x.side, x.qty.toString())), new Decimal(0));
  const storeSum = recorded
    .filter((e) => e.data.instrument === f.instrument)
    .reduce((a, e) => a.plus(signed(e.data.side, e.data.qty)), new Decimal(0));
  const reports = ofType(es, 'PositionReported').filter((e) => e.data.accountId === f.account);
  const lastReport = new Decimal(
    reports[reports.length - 1]?.data.positions.find((p) => p.instrument === f.instrument)?.qty ?? '0',
  );
  const target = new Decimal(f.lastTarget.qty);
  const agree = atVenue.eq(venueSum) && venueSum.eq(storeSum) && storeSum.eq(lastReport);
  out.push({
    name: 'position = Σ fills (venue, store, last report)',
    pass: agree,
    detail: `venue ${atVenue.toFixed()}, Σ venue fills ${venueSum.toFixed()}, Σ recorded fills ${storeSum.toFixed()}, last report ${lastReport.toFixed()}`,
  });
  out.push({
    name: 'the account holds the last target',
    pass: atVenue.eq(target),
    detail: `venue ${atVenue.toFixed()}, last target ${target.toFixed()}`,
  });
  return out;
};

/** One sample of an app's figures, read from its /metrics when it became ready and just before its kill. */
export interface CostSample {
  readonly app: string;
  /** Wall ms since the soak began. */
  readonly at: number;
  readonly heapBytes: number;
  /** CPU seconds per event folded or published between ready and the kill; null for a short life. */
  readonly cpuPerEventSec: number | null;
  /** CPU seconds from spawn to ready (loading, replaying, reconciling); null when killed before ready. */
  readonly cpuToReadySec: number | null;
  /** Wall ms from spawn to ready (reported, not judged: waits on the venue's not-found horizon dominate it). */
  readonly readyMs: number | null;
}

export type CostFigure = 'heap MB' | 'CPU µs per event' | 'CPU ms to ready' | 'wall ms to ready';

export interface CostTrend {
  readonly app: string;
  readonly figure: CostFigure;
  /**
   * What `first` and `last` are of each half's samples: the median, or for CPU figures the
   * lowest. CPU time on a shared machine is raised by whatever else runs (a soak beside the
   * demo's e2e once saw execution ×2.22 and the relay, which folds no history, ×2.15 on their
   * medians), while history an app refolds at each start raises every start, the
   * best one included.
   */
  readonly stat: 'median' | 'lowest';
  readonly first: number | null;
  readonly last: number | null;
  readonly ratio: number | null;
  /** Samples in the first and the last half. */
  readonly samples: readonly [number, number];
  /** Judged for flatness (wall time to ready is only reported). */
  readonly judged: boolean;
}

const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Fewer samples than this in either half: the figure is shown, not judged. */
export const MIN_SAMPLES = 3;

/** Each app's figures in the first and the second half of the run (see `CostTrend.stat`), and their ratio. */
export const costTrends = (samples: readonly CostSample[], spanMs: number): CostTrend[] => {
  const out: CostTrend[] = [];
  const apps = [...new Set(samples.map((s) => s.app))].sort();
  // [figure, its value in a sample, judged, the statistic of each half]
  const figures: readonly (readonly [
    CostFigure,
    (s: CostSample) => number | null,
    boolean,
    CostTrend['stat'],
  ])[] = [
    ['heap MB', (s) => s.heapBytes / 1e6, true, 'median'],
    ['CPU µs per event', (s) => (s.cpuPerEventSec === null ? null : s.cpuPerEventSec * 1e6), true, 'lowest'],
    ['CPU ms to ready', (s) => (s.cpuToReadySec === null ? null : s.cpuToReadySec * 1e3), true, 'lowest'],
    ['wall ms to ready', (s) => s.readyMs, false, 'median'],
  ];
  const lowest = (xs: readonly number[]): number | null => (xs.length === 0 ? null : Math.min(...xs));
  for (const app of apps)
    for (const [figure, of, judge, stat] of figures) {
      const summary = stat === 'lowest' ? lowest : median;
      const mine = samples.filter((s) => s.app === app);
      const pick = (from: number, to: number): number[] =>
        mine
          .filter((s) => s.at >= from && s.at < to)
          .map(of)
          .filter((v): v is number => v !== null && Number.isFinite(v));
      const early = pick(0, spanMs / 2);
      const late = pick(spanMs / 2, Infinity);
      const first = summary(early);
      const last = summary(late);
      out.push({
        app,
        figure,
        stat,
        first,
        last,
        ratio: first !== null && last !== null && first > 0 ? last / first : null,
        samples: [early.length, late.length],
        judged: judge && early.length >= MIN_SAMPLES && late.length >= MIN_SAMPLES,
      });
    }
  return out;
};

/**
 * Cost is flat when no judged figure of the run's second half is more than `limit` times the
 * first half's (`CostTrend.stat`). Heap, CPU per event and CPU to ready are judged: a process that kept
 * history in memory, paid more per event as history grew, or replayed more of it at each start
 * would grow; wall time to ready is shown only (it waits on the venue).
 */
export const costInvariant = (trends: readonly CostTrend[], limit = 2): SoakInvariant => {
  const judged = trends.filter((t) => t.judged && t.ratio !== null);
  const grown = judged.filter((t) => (t.ratio ?? 0) > limit);
  const show = (t: CostTrend) =>
    `${t.app} ${t.figure} ${t.stat} ${t.first?.toFixed(1)} → ${t.last?.toFixed(1)} (×${t.ratio?.toFixed(2)})`;
  return {
    name: `cost flat: heap (median), CPU per event and CPU to ready (lowest): second half ≤ ${limit}× the first`,
    pass: judged.length > 0 && grown.length === 0,
    detail:
      judged.length === 0
        ? `no figure had ${MIN_SAMPLES} samples in each half`
        : grown.length > 0
          ? `grew: ${grown.map(show).join('; ')}`
          : judged.map(show).join('; '),
  };
};
