/**
 * The plan of `keel twap-eval`: for each market, its gap-free segments, the durations it
 * hosts and the windows of each (at most `maxWindows`, spread evenly). A window is the unit of
 * work handed to a worker; its result is every size × side run in it.
 */
import { Instrument } from '@keel/venue-domain';
import { EvalMarket } from './twap-eval.market';
import { durationLabel, durationsFor, segmentsOf, spreadEvenly, tileWindows } from './twap-eval.windows';

export interface PlanSettings {
  readonly durationsMs: readonly number[];
  /** Add each market's longest round duration (twap-eval.windows `longestDuration`). */
  readonly withLongest: boolean;
  readonly maxWindows: number;
  readonly maxGapMs: number;
  readonly leadInMs: number;
}

/** One window to run: which market (by name and files, so a worker can load it) and when. */
export interface WindowTask {
  readonly id: number;
  readonly market: string;
  readonly files: readonly string[];
  readonly durationMs: number;
  readonly start: number;
}

export interface MarketPlan {
  readonly market: string;
  readonly files: readonly string[];
  readonly data: 'trades' | 'quotes' | 'trades+quotes';
  readonly volume:
    | 'prints'
    | 'quote estimate (displayed size that left the touch; not a bound: cancellations inflate it, what trades and refills within a second deflates it)';
  readonly from: string;
  readonly to: string;
  readonly events: number;
  readonly instrument: {
    readonly symbol: string;
    readonly tickSize: string;
    readonly lotSize: string;
    readonly minQty: string;
    readonly minNotional: string;
  };
  /** Sizes × this = sizes on the simulator's depth curve (1: the calibrated instrument; depthScaleOf). */
  readonly depthScale: number;
  /** Holes in the data longer than the gap limit (windows never span one). */
  readonly gaps: readonly { readonly from: string; readonly to: string; readonly seconds: number }[];
  readonly durations: readonly {
    readonly duration: string;
    readonly candidates: number;
    readonly windows: number;
  }[];
}

const iso = (t: number): string => new Date(t).toISOString();

export const planMarket = (
  m: EvalMarket,
  instrument: Instrument,
  s: PlanSettings,
  nextId: () => number,
  depthScale = 1,
): { readonly plan: MarketPlan; readonly tasks: WindowTask[] } => {
  const segments = segmentsOf(
    m.events.map((e) => e.venueAt),
    s.maxGapMs,
  );
  const tasks: WindowTask[] = [];
  const durations = durationsFor(segments, s.durationsMs, s.withLongest, s.leadInMs).map((d) => {
    const candidates = tileWindows(segments, d, s.leadInMs);
    const chosen = spreadEvenly(candidates, s.maxWindows);
    for (const w of chosen)
      tasks.push({ id: nextId(), market: m.name, files: m.files, durationMs: d, start: w.start });
    return { duration: durationLabel(d), candidates: candidates.length, windows: chosen.length };
  });
  const gaps = segments.slice(1).map((seg, i) => {
    const prevEnd = (segments[i] as { to: number }).to;
    return { from: iso(prevEnd), to: iso(seg.from), seconds: (seg.from - prevEnd) / 1000 };
  });
  return {
    tasks,
    plan: {
      market: m.name,
      files: m.files,
      data: m.hasTrades && m.hasQuotes ? 'trades+quotes' : m.hasTrades ? 'trades' : 'quotes',
      volume: m.hasTrades
        ? 'prints'
        : 'quote estimate (displayed size that left the touch; not a bound: cancellations inflate it, what trades and refills within a second deflates it)',
      from: iso(m.firstTs),
      to: iso(m.lastTs),
      events: m.events.length,
      instrument: {
        symbol: instrument.symbol,
        tickSize: instrument.tickSize.toString(),
        lotSize: instrument.lotSize.toString(),
        minQty: instrument.minQty.toString(),
        minNotional: instrument.minNotional.toString(),
      },
      depthScale: Math.round(depthScale * 10_000) / 10_000,
      gaps,
      durations,
    },
  };
};
