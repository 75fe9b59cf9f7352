/**
 * The bars of a `keel roll-sim` run: recorded 1-minute trade bars read from an AlgoSeek file
 * (via QuantConnect, data/market/README.md §7a), or seeded synthetic ones for periods the data
 * does not cover. How bars become the market events the venue simulator replays, and the
 * market hours read from them, are the simulation's (@keel/simulation `bars.ts`).
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { Bar, SessionWindow } from '@keel/simulation';
import { MarketDataFileError, mulberry32, readLines } from '@keel/venue-sim';

// The bars and how they become market events live with the simulation that replays them.
export { barEvents, SESSION_GAP_MS, sessionsFromBars } from '@keel/simulation';
export type { Bar, SessionWindow } from '@keel/simulation';

export const BAR_HEADER = 'timestamp_utc,contract,contract_month,open,high,low,close,volume';

/**
 * The bars of `root`'s contracts with ts in [from, to), from an AlgoSeek CSV (.csv or .csv.gz,
 * time order). Left: a readable reason naming the file and the line.
 */
export const readBars = (
  file: string,
  root: string,
  from: number,
  to: number,
): Promise<E.Either<string, readonly Bar[]>> =>
  readBarRows(file, root, from, to).catch((e: unknown) => {
    // A file that cannot be read to its end (missing, truncated gzip) names itself.
    if (e instanceof MarketDataFileError) return E.left(e.message);
    throw e;
  });

const readBarRows = async (
  file: string,
  root: string,
  from: number,
  to: number,
): Promise<E.Either<string, readonly Bar[]>> => {
  const code = new RegExp(`^${root}[FGHJKMNQUVXZ]\\d{2}$`);
  const bars: Bar[] = [];
  let n = 0;
  let lastTs = -Infinity;
  for await (const line of readLines(file)) {
    n++;
    if (n === 1) {
      if (line.trim() !== BAR_HEADER)
        return E.left(`${file}: header ${JSON.stringify(line)} is not ${JSON.stringify(BAR_HEADER)}`);
      continue;
    }
    if (line.trim() === '') continue;
    const cols = line.split(',');
    const ts = Date.parse(cols[0] ?? '');
    if (cols.length !== 8 || !Number.isFinite(ts))
      return E.left(`${file}:${n}: not a bar row: ${JSON.stringify(line)}`);
    if (ts < lastTs)
      return E.left(`${file}:${n}: ${cols[0]} is before the previous row (the file must be in time order)`);
    lastTs = ts;
    if (ts >= to) break; // in time order: nothing further is in range
    if (ts < from) continue;
    const contract = cols[1] as string;
    if (!code.test(contract)) continue;
    try {
      const [open, high, low, close] = [cols[3], cols[4], cols[5], cols[6]].map(
        (v) => new Decimal(v as string),
      ) as [Decimal, Decimal, Decimal, Decimal];
      const volume = Number(cols[7]);
      if (
        !Number.isInteger(volume) ||
        volume < 0 ||
        low.gt(high) ||
        open.lt(low) ||
        open.gt(high) ||
        close.lt(low) ||
        close.gt(high) ||
        low.lte(0)
      )
        throw new Error('inconsistent');
      bars.push({ ts, contract, open, high, low, close, volume });
    } catch {
      return E.left(`${file}:${n}: not a valid bar: ${JSON.stringify(line)}`);
    }
  }
  return E.right(bars);
};

export interface SyntheticBarsOptions {
  readonly seed: number;
  /** Each contract's first open; all contracts move together (one walk), each with its own wicks. */
  readonly contracts: readonly { readonly code: string; readonly startPrice: string }[];
  /** Bars are made only inside these windows (so nothing prints while the market is closed). */
  readonly sessions: readonly SessionWindow[];
  readonly from: number;
  readonly to: number;
  readonly barMs: number;
  readonly tick: Decimal;
  /** Close − open is a whole number of ticks in [−maxMoveTicks, maxMoveTicks]. */
  readonly maxMoveTicks: number;
  /** Volume per bar in [1, maxVolume]. */
  readonly maxVolume: number;
}

/**
 * Seeded synthetic bars for runs the recorded data does not cover (mulberry32, no
 * Math.random: the same seed gives the same bars). A random walk on the tick grid, only while
 * the market is open.
 */
export const syntheticBars = (o: SyntheticBarsOptions): Bar[] => {
  const rnd = mulberry32(o.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const last = new Map(o.contracts.map((c) => [c.code, new Decimal(c.startPrice)]));
  const out: Bar[] = [];
  for (const w of o.sessions) {
    const start = Math.max(w.open, o.from);
    for (let ts = start; ts < Math.min(w.close, o.to); ts += o.barMs) {
      const move = o.tick.times(int(-o.maxMoveTicks, o.maxMoveTicks));
      for (const c of o.contracts) {
        const open = last.get(c.code) as Decimal;
        const close = Decimal.max(o.tick, open.plus(move));
        const high = Decimal.max(open, close).plus(o.tick.times(int(0, 2)));
        const low = Decimal.max(o.tick, Decimal.min(open, close).minus(o.tick.times(int(0, 2))));
        out.push({ ts, contract: c.code, open, high, low, close, volume: int(1, o.maxVolume) });
        last.set(c.code, close);
      }
    }
  }
  return out;
};
