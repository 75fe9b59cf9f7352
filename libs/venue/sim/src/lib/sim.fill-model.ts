/**
 * The simulator's fill rules that keep large orders honest: each is a setting, and the
 * defaults (STRICT_FILL_MODEL) are the strict ones. LEGACY_FILL_MODEL is the model before
 * issue 18, kept so a spec can show what each rule changes (and nothing else should use it).
 *
 * The state they need per market lives here too: the liquidity ledger (what we took from
 * the displayed touch), the participation window and our decaying impact on the book.
 */
import Decimal from 'decimal.js';
import { exact, Side } from '@keel/venue-domain';
import { Touch } from './sim.matching';

export interface FillModel {
  /**
   * Displayed liquidity we take (market orders, crossing limits, resting orders filled by a
   * crossing quote) is consumed: while the touch stays at that price, what we took is not
   * there for us again, so the same displayed size cannot fill twice.
   */
  readonly consumeLiquidity: boolean;
  /**
   * Passive fills are bounded by traded volume: where the market has prints, only prints at or
   * through the price fill resting orders, and quotes only move the touch and the queue.
   * (Quote-only data has no prints: a crossing quote is the only evidence of a trade there.)
   */
  readonly fillsFromPrintsWhenPresent: boolean;
  /**
   * Orders the market trades through are resolved: a quote showing our level gone through
   * (a buy at P: the bid was at or above P and is now below it) fills us with up to the size
   * that left, instead of leaving the order resting as if nothing happened.
   */
  readonly resolveTradeThrough: boolean;
  /**
   * Participation cap: passive fills over the last `participationWindowMs` stay within this
   * share of the market's volume there (prints; on quote-only data, the displayed size that
   * left the touch, an estimate of what traded). null: no cap.
   */
  readonly participationCap: number | null;
  readonly participationWindowMs: number;
  /**
   * Impact of our own trading, passive and aggressive: our net traded quantity (decaying with
   * this time constant, the book's resilience) moves every replayed price against us by the
   * depth curve's edge impact of that quantity. null: our orders never move the book.
   */
  readonly impactDecayMs: number | null;
  /**
   * A market order larger than the depth left to us (the curve's book depth less our recent
   * net flow in that direction) fills that now and the rest over time as the book recovers;
   * false: the whole order fills at once on the (capped) curve.
   */
  readonly marketOrdersOverTime: boolean;
  /** The account sees quotes this late (fetchTopOfBook); matching uses the real book. null: the order latency. */
  readonly marketDataLatencyMs: number | null;
  /**
   * Queue ahead from the recorded book where the data has one (L2 updates): an order joining a
   * level behind the touch queues behind that level's recorded size (not `unknownQueueQty`),
   * and a level that shrinks below what is ahead of us caps it (those ahead cancelled or
   * traded; a shrink is never taken as our fill, and growth joins behind us). false: levels
   * behind the touch are unknown, as on data without them.
   */
  readonly queueFromDepth: boolean;
}

export const STRICT_FILL_MODEL: FillModel = {
  consumeLiquidity: true,
  fillsFromPrintsWhenPresent: true,
  resolveTradeThrough: true,
  participationCap: 0.5,
  participationWindowMs: 60_000,
  impactDecayMs: 60_000,
  marketOrdersOverTime: true,
  marketDataLatencyMs: null,
  queueFromDepth: true,
};

/** The pre-issue-18 model (for specs that show what each strict rule changes). */
export const LEGACY_FILL_MODEL: FillModel = {
  consumeLiquidity: false,
  fillsFromPrintsWhenPresent: false,
  resolveTradeThrough: false,
  participationCap: null,
  participationWindowMs: 60_000,
  impactDecayMs: null,
  marketOrdersOverTime: false,
  marketDataLatencyMs: 0,
  queueFromDepth: false,
};

/** What we took from one side's displayed touch, at the (recorded) price it stood at. */
export interface LedgerEntry {
  price: Decimal;
  taken: Decimal;
}

/**
 * The liquidity ledger of one market: per side of the book, what we took at its current
 * recorded price. A touch that moves to another price is fresh liquidity (the entry resets).
 */
export interface Ledger {
  bid: LedgerEntry | null;
  ask: LedgerEntry | null;
}

/** The displayed size of `touch` (recorded price `raw`) still available to us. */
export const availableAt = (entry: LedgerEntry | null, raw: Decimal, displayed: Decimal): Decimal =>
  entry !== null && entry.price.eq(raw) ? Decimal.max(0, displayed.minus(entry.taken)) : displayed;

export const take = (entry: LedgerEntry | null, raw: Decimal, qty: Decimal): LedgerEntry =>
  entry !== null && entry.price.eq(raw)
    ? { price: raw, taken: entry.taken.plus(qty) }
    : { price: raw, taken: exact(qty) };

/** A rolling sum over a time window (flat memory: entries leave as the window passes). */
export class RollingSum {
  private readonly items: Array<{ at: number; qty: number }> = [];
  private head = 0;
  private total = 0;
  constructor(private readonly windowMs: number) {}
  add(at: number, qty: number): void {
    if (qty <= 0) return;
    this.items.push({ at, qty });
    this.total += qty;
  }
  sum(now: number): number {
    const from = now - this.windowMs;
    while (this.head < this.items.length && (this.items[this.head] as { at: number }).at <= from) {
      this.total -= (this.items[this.head] as { qty: number }).qty;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    if (this.head === this.items.length) this.total = 0; // no float drift once empty
    return this.total;
  }
}

/**
 * The displayed size that left one side's touch between two quotes (a buy-side example: the
 * bid at an unchanged price shrank, or moved down so its level is gone): traded or cancelled,
 * an estimate of the volume traded there (cancels count, unseen refills do not). 0 when the side improved.
 */
export const touchDepletion = (side: 'bid' | 'ask', before: Touch | null, after: Touch): Decimal => {
  if (before === null || before.qty === null || after.qty === null) return exact(0);
  if (before.price.eq(after.price)) return Decimal.max(0, before.qty.minus(after.qty));
  const retreated = side === 'bid' ? after.price.lt(before.price) : after.price.gt(before.price);
  return retreated ? exact(before.qty) : exact(0);
};

/** Our decaying net traded quantity (buys positive), the state of the self-impact rule. */
export class ImpactState {
  private d = 0;
  private at = 0;
  constructor(private readonly decayMs: number | null) {}
  now(t: number): number {
    if (this.decayMs === null || this.d === 0) return 0;
    const v = this.d * Math.exp(-(t - this.at) / this.decayMs);
    return Math.abs(v) < 1e-12 ? 0 : v;
  }
  add(t: number, side: Side, qty: Decimal): void {
    if (this.decayMs === null) return;
    this.d = this.now(t) + (side === 'buy' ? 1 : -1) * qty.toNumber();
    this.at = t;
  }
}
