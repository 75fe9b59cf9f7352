/**
 * Equity and drawdown columns of the PnL backfill, taken from the log: the balance-aggregator's
 * `AccountEquityUpdated` (the account valued from its venue snapshots at live marks), not
 * `--capital` plus PnL. Each account row of an interval gets the last equity recorded before the
 * interval's end, whether that figure was stale, and the drawdown from the highest fresh equity
 * seen so far (a stale figure, one that left an unpriced asset out, is shown but moves no peak
 * and gives no drawdown: it is not a loss).
 *
 * Streamed: figures are added in log order as the replay reads them and taken when rows are
 * written, so only the figures between the last written interval and the read position are held.
 */
import Decimal from 'decimal.js';

export interface EquityColumns {
  /** The last AccountEquityUpdated before the interval's end; empty before the first. */
  readonly equity: string;
  /** `true` when that figure was stale; empty otherwise. */
  readonly equityStale: string;
  /** equity / peak − 1 (≤ 0), 8 places half-even, from fresh figures; empty when none yet. */
  readonly drawdown: string;
}

export const EQUITY_COLUMNS = ['equity', 'equity_stale', 'drawdown'] as const;

const NONE: EquityColumns = { equity: '', equityStale: '', drawdown: '' };

interface Point {
  readonly at: number;
  readonly equity: string;
  readonly stale: boolean;
}

interface AccountEquity {
  readonly queue: Point[];
  last: Point | null;
  peak: Decimal | null;
  lastFresh: Decimal | null;
}

export interface EquityTimeline {
  /** A recorded figure, in log order (`at`: its time, made monotonic by the caller if needed). */
  add(accountId: string, at: number, equity: string, stale: boolean): void;
  /** The columns of an account row whose interval ends at `endMs` (exclusive); ends must not decrease. */
  columns(accountId: string, endMs: number): EquityColumns;
}

export const createEquityTimeline = (): EquityTimeline => {
  const accounts = new Map<string, AccountEquity>();
  const of = (id: string): AccountEquity => {
    let a = accounts.get(id);
    if (a === undefined) accounts.set(id, (a = { queue: [], last: null, peak: null, lastFresh: null }));
    return a;
  };
  return {
    add: (accountId, at, equity, stale) => {
      of(accountId).queue.push({ at, equity, stale });
    },
    columns: (accountId, endMs) => {
      const a = accounts.get(accountId);
      if (a === undefined) return NONE;
      let taken = 0;
      while (taken < a.queue.length && a.queue[taken]!.at < endMs) {
        const p = a.queue[taken++]!;
        a.last = p;
        if (!p.stale) {
          const v = new Decimal(p.equity);
          a.lastFresh = v;
          if (a.peak === null || v.gt(a.peak)) a.peak = v;
        }
      }
      if (taken > 0) a.queue.splice(0, taken);
      if (a.last === null) return NONE;
      const drawdown =
        a.lastFresh === null || a.peak === null || !a.peak.isPositive()
          ? ''
          : a.lastFresh.div(a.peak).minus(1).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN);
      return {
        equity: a.last.equity,
        equityStale: a.last.stale ? 'true' : '',
        drawdown: typeof drawdown === 'string' ? drawdown : drawdown.isZero() ? '0' : drawdown.toFixed(),
      };
    },
  };
};
