/**
 * The PnL backfill's core: folds the same inputs as the live fold (`stepLedger`) and, per
 * account × instrument × interval (UTC-aligned), reports the figures at the interval's end,
 * the change of net PnL over the interval, and time-weighted interval averages of unrealized
 * and net PnL (and, per account, of equity = capital + net PnL).
 *
 * Time-weighted averages are exact integrals divided by the interval length: between two
 * changes of a book (fills, funding) its position p and average cost c are constant, so
 * ∫ unrealized dt = p × (∫ mid dt − c × marked time). ∫ mid dt per instrument is
 * ½ (∫ bid dt + ∫ ask dt); to keep decimal work off the per-quote path, the time each bid and
 * ask price was held is summed per price (integer ms) and turned into a decimal only when a
 * book of the instrument changes or the interval ends. Averages are rounded half-even to
 * `AVG_DP` places; every other figure is exact. Mutable inside, but deterministic: the same
 * inputs in the same order give the same rows.
 */
import { bookDecimals, Dec, figures, fmt, PnlBook } from './pnl.math';
import {
  bookKey,
  markOf,
  MutableLedger,
  PnlCheckpoint,
  PnlInput,
  quoteKey,
  stepLedger,
  unitsOf,
} from './pnl.ledger';
import { isoMs } from './pnl.time';

export const AVG_DP = 8;

export interface IntervalRow {
  readonly intervalStart: string;
  readonly intervalEnd: string;
  readonly accountId: string;
  /** `*` on an account's total row. */
  readonly instrument: string;
  readonly position: string;
  readonly avgCost: string;
  readonly mark: string;
  readonly realizedPnl: string;
  readonly unrealizedPnl: string;
  readonly fees: string;
  readonly funding: string;
  readonly netPnl: string;
  readonly intervalPnl: string;
  readonly avgUnrealizedPnl: string;
  readonly avgNetPnl: string;
  /** Account rows only (capital + average net PnL); empty on instrument rows. */
  readonly avgEquity: string;
  /** Fees in assets with no mark at the time, not in `fees`: `BNB:0.5 XYZ:1` (assets in code order); empty when none. */
  readonly unconvertedFees: string;
  /** Funding in assets with no mark at the time, not in `funding` (as `unconvertedFees`). */
  readonly unconvertedFunding: string;
}

/** `{ BNB: '0.5', XYZ: '1' }` → `BNB:0.5 XYZ:1` (keys sorted). */
export const amountsText = (amounts: Readonly<Record<string, string>>): string =>
  Object.keys(amounts)
    .sort()
    .map((a) => `${a}:${amounts[a]!}`)
    .join(' ');

/** Per-asset sums of books' amounts (an account's total row). */
const sumAmounts = (books: readonly PnlBook[], field: 'unconvertedFees' | 'unconvertedFunding'): string => {
  const sum: Record<string, Dec> = {};
  for (const b of books)
    for (const [a, v] of Object.entries(b[field])) sum[a] = (sum[a] ?? new Dec(0)).plus(v);
  const out: Record<string, string> = {};
  for (const a of Object.keys(sum)) out[a] = fmt(sum[a]!);
  return amountsText(out);
};

export const INTERVAL_COLUMNS: readonly (keyof IntervalRow)[] = [
  'intervalStart',
  'intervalEnd',
  'accountId',
  'instrument',
  'position',
  'avgCost',
  'mark',
  'realizedPnl',
  'unrealizedPnl',
  'fees',
  'funding',
  'netPnl',
  'intervalPnl',
  'avgUnrealizedPnl',
  'avgNetPnl',
  'avgEquity',
  'unconvertedFees',
  'unconvertedFunding',
];

export interface BackfillOptions {
  readonly intervalMs: number;
  /** Rows for intervals that start at or after this (epoch ms); earlier events are folded silently. */
  readonly fromMs?: number;
  /** Rows for intervals that end at or before this (epoch ms). */
  readonly toMs?: number;
  /** Capital per account, added to net PnL for equity. */
  readonly capital?: string;
  readonly onRow: (row: IntervalRow) => void;
  /** Every checkpoint the live fold would have emitted (to compare with PnlUpdated). */
  readonly onCheckpoint?: (c: PnlCheckpoint) => void;
}

/** Prices are summed as integers scaled by 10^SCALE_DP (BigInt: exact and cheap); longer fractions go to a decimal. */
const SCALE_DP = 18;
const SCALE = new Dec(10).pow(SCALE_DP);
const ZEROS = '0'.repeat(SCALE_DP);
const scaledCache = new Map<string, bigint | null>();

/** `87000.15` → 87000150000000000000000n; null when the fraction is longer than SCALE_DP. */
const scaled = (p: string): bigint | null => {
  let v = scaledCache.get(p);
  if (v !== undefined) return v;
  const dot = p.indexOf('.');
  const frac = dot < 0 ? '' : p.slice(dot + 1);
  v =
    frac.length > SCALE_DP ? null : BigInt((dot < 0 ? p : p.slice(0, dot)) + frac + ZEROS.slice(frac.length));
  if (scaledCache.size >= 4096) scaledCache.clear(); // bounded memory (prices repeat within a run of quotes)
  scaledCache.set(p, v);
  return v;
};

interface InstrumentMarks {
  bid: string | null;
  ask: string | null;
  since: number;
  /** ms each price was held, not yet in `cum`. */
  readonly pendBid: Map<string, number>;
  readonly pendAsk: Map<string, number>;
  /** ∫ (bid + ask) dt since the interval start, up to the last flush: scaled integer part … */
  cum: bigint;
  /** … plus the part from prices with fractions too long to scale. */
  cumExtra: Dec;
  /** ms with a mark since the interval start. */
  marked: number;
}

interface BookAcc {
  readonly key: string;
  segStart: number;
  segCum: bigint;
  segCumExtra: Dec;
  segMarked: number;
  intUnreal: Dec;
  intNet: Dec;
  netAtStart: Dec;
}

export interface Backfill {
  push(input: PnlInput): void;
  /** Close the interval in progress (and any empty ones up to `endMs`, if given). */
  finish(endMs?: number): void;
  readonly ledger: MutableLedger;
  rows(): number;
}

export const createBackfill = (o: BackfillOptions): Backfill => {
  const ledger: MutableLedger = {
    books: {},
    byInstrument: {},
    quotes: {},
    venueOf: {},
    listed: {},
    firstVenue: {},
  };
  const marks = new Map<string, InstrumentMarks>();
  const accs = new Map<string, BookAcc>();
  const capital = new Dec(o.capital ?? '0');
  let intervalStart = Number.NaN;
  let lastT = Number.NEGATIVE_INFINITY;
  let rowCount = 0;

  const marksOf = (instrument: string, t: number): InstrumentMarks => {
    let m = marks.get(instrument);
    if (m === undefined) {
      m = {
        bid: null,
        ask: null,
        since: t,
        pendBid: new Map(),
        pendAsk: new Map(),
        cum: 0n,
        cumExtra: new Dec(0),
        marked: 0,
      };
      marks.set(instrument, m);
    }
    return m;
  };

  const advance = (m: InstrumentMarks, t: number): void => {
    const dt = t - m.since;
    if (m.bid !== null && m.ask !== null && dt > 0) {
      m.pendBid.set(m.bid, (m.pendBid.get(m.bid) ?? 0) + dt);
      m.pendAsk.set(m.ask, (m.pendAsk.get(m.ask) ?? 0) + dt);
      m.marked += dt;
    }
    m.since = t;
  };

  const flush = (m: InstrumentMarks, t: number): void => {
    advance(m, t);
    if (m.pendBid.size === 0 && m.pendAsk.size === 0) return;
    let cum = m.cum;
    for (const pend of [m.pendBid, m.pendAsk])
      for (const [p, ms] of pend) {
        const v = scaled(p);
        if (v !== null) cum += v * BigInt(ms);
        else m.cumExtra = m.cumExtra.plus(new Dec(p).times(ms));
      }
    m.cum = cum;
    m.pendBid.clear();
    m.pendAsk.clear();
  };

  /** The marks of a book's venue (venue '' before any is known: never quoted). */
  const marksOfBook = (book: PnlBook, t: number): InstrumentMarks =>
    marksOf(quoteKey(unitsOf(ledger, book.accountId, book.instrument).venue, book.instrument), t);

  /** Integrate a book from its segment start to t (its position, cost, venue and contract size were constant). */
  const closeSegment = (a: BookAcc, t: number): void => {
    const book = ledger.books[a.key]!;
    const m = marksOfBook(book, t);
    flush(m, t);
    const dt = t - a.segStart;
    if (dt > 0) {
      const b = bookDecimals(book);
      if (book.position !== '0') {
        const midIntegral = new Dec((m.cum - a.segCum).toString())
          .div(SCALE)
          .plus(m.cumExtra.minus(a.segCumExtra))
          .div(2);
        const unreal = b.position
          .times(unitsOf(ledger, book.accountId, book.instrument).contractSize)
          .times(midIntegral.minus(b.avgCost.times(m.marked - a.segMarked)));
        a.intUnreal = a.intUnreal.plus(unreal);
        a.intNet = a.intNet.plus(unreal);
      }
      if (!b.base.isZero()) a.intNet = a.intNet.plus(b.base.times(dt));
    }
    a.segStart = t;
    a.segCum = m.cum;
    a.segCumExtra = m.cumExtra;
    a.segMarked = m.marked;
  };

  /** Start a book's next segment at t on the marks of its venue now (after its venue or contract size changed). */
  const rebase = (a: BookAcc, t: number): void => {
    const m = marksOfBook(ledger.books[a.key]!, t);
    flush(m, t);
    a.segStart = t;
    a.segCum = m.cum;
    a.segCumExtra = m.cumExtra;
    a.segMarked = m.marked;
  };

  const figuresOf = (book: PnlBook) => {
    const u = unitsOf(ledger, book.accountId, book.instrument);
    return figures(book, markOf(ledger.quotes[quoteKey(u.venue, book.instrument)]), u.contractSize);
  };

  const netNow = (key: string): Dec => new Dec(figuresOf(ledger.books[key]!).netPnl);

  const inWindow = (start: number, end: number): boolean =>
    (o.fromMs === undefined || start >= o.fromMs) && (o.toMs === undefined || end <= o.toMs);

  /** Close the current interval at its end: integrate, emit rows, reset the integrals. */
  const closeInterval = (): void => {
    const end = intervalStart + o.intervalMs;
    for (const m of marks.values()) flush(m, end);
    const keys = [...accs.keys()].sort();
    for (const k of keys) closeSegment(accs.get(k)!, end);
    if (inWindow(intervalStart, end)) emitRows(keys, end);
    for (const m of marks.values()) {
      m.cum = 0n;
      m.cumExtra = new Dec(0);
      m.marked = 0;
    }
    for (const k of keys) {
      const a = accs.get(k)!;
      a.segCum = 0n;
      a.segCumExtra = new Dec(0);
      a.segMarked = 0;
      a.intUnreal = new Dec(0);
      a.intNet = new Dec(0);
      a.netAtStart = netNow(k);
    }
    intervalStart = end;
  };

  const round = (d: Dec): string => fmt(d.toDecimalPlaces(AVG_DP, Dec.ROUND_HALF_EVEN));

  const emitRows = (sortedKeys: readonly string[], end: number): void => {
    const startIso = new Date(intervalStart).toISOString();
    const endIso = new Date(end).toISOString();
    const len = o.intervalMs;
    let account: string | null = null;
    let accountBooks: PnlBook[] = [];
    let tot = {
      realized: new Dec(0),
      unreal: new Dec(0),
      fees: new Dec(0),
      funding: new Dec(0),
      net: new Dec(0),
      ipnl: new Dec(0),
      iu: new Dec(0),
      inet: new Dec(0),
    };
    const flushAccount = (): void => {
      if (account === null) return;
      const avgNet = tot.inet.div(len);
      o.onRow({
        intervalStart: startIso,
        intervalEnd: endIso,
        accountId: account,
        instrument: '*',
        position: '',
        avgCost: '',
        mark: '',
        realizedPnl: fmt(tot.realized),
        unrealizedPnl: fmt(tot.unreal),
        fees: fmt(tot.fees),
        funding: fmt(tot.funding),
        netPnl: fmt(tot.net),
        intervalPnl: fmt(tot.ipnl),
        avgUnrealizedPnl: round(tot.iu.div(len)),
        avgNetPnl: round(avgNet),
        avgEquity: round(capital.plus(avgNet)),
        unconvertedFees: sumAmounts(accountBooks, 'unconvertedFees'),
        unconvertedFunding: sumAmounts(accountBooks, 'unconvertedFunding'),
      });
      rowCount++;
    };
    for (const k of sortedKeys) {
      const a = accs.get(k)!;
      const book = ledger.books[k]!;
      if (book.accountId !== account) {
        flushAccount();
        account = book.accountId;
        accountBooks = [];
        tot = {
          realized: new Dec(0),
          unreal: new Dec(0),
          fees: new Dec(0),
          funding: new Dec(0),
          net: new Dec(0),
          ipnl: new Dec(0),
          iu: new Dec(0),
          inet: new Dec(0),
        };
      }
      accountBooks.push(book);
      const f = figuresOf(book);
      const net = new Dec(f.netPnl);
      const ipnl = net.minus(a.netAtStart);
      o.onRow({
        intervalStart: startIso,
        intervalEnd: endIso,
        accountId: book.accountId,
        instrument: book.instrument,
        position: f.position,
        avgCost: f.avgCost,
        mark: f.mark ?? '',
        realizedPnl: f.realizedPnl,
        unrealizedPnl: f.unrealizedPnl,
        fees: f.fees,
        funding: f.funding,
        netPnl: f.netPnl,
        intervalPnl: fmt(ipnl),
        avgUnrealizedPnl: round(a.intUnreal.div(len)),
        avgNetPnl: round(a.intNet.div(len)),
        avgEquity: '',
        unconvertedFees: amountsText(book.unconvertedFees),
        unconvertedFunding: amountsText(book.unconvertedFunding),
      });
      rowCount++;
      tot = {
        realized: tot.realized.plus(f.realizedPnl),
        unreal: tot.unreal.plus(f.unrealizedPnl),
        fees: tot.fees.plus(f.fees),
        funding: tot.funding.plus(f.funding),
        net: tot.net.plus(net),
        ipnl: tot.ipnl.plus(ipnl),
        iu: tot.iu.plus(a.intUnreal),
        inet: tot.inet.plus(a.intNet),
      };
    }
    flushAccount();
  };

  const reach = (t: number): void => {
    if (Number.isNaN(intervalStart)) intervalStart = Math.floor(t / o.intervalMs) * o.intervalMs;
    while (t >= intervalStart + o.intervalMs) closeInterval();
  };

  return {
    ledger,
    rows: () => rowCount,
    push: (input) => {
      // Event time, made monotonic in log order (writers' clocks may disagree by a little).
      const own = isoMs(input.ts);
      const t = Math.max(own, lastT);
      if (Number.isNaN(t))
        throw new Error(`event at position ${input.position} has no event time: ${JSON.stringify(input.ts)}`);
      lastT = t;
      reach(t);
      // Books whose venue or contract size this input changes: a listing (any book), a
      // symbol's first quote (the books of accounts no venue listed). Their segments end here
      // and start again on the new marks.
      const moved =
        input.type === 'listing'
          ? [...accs.values()]
          : input.type === 'quote' && ledger.firstVenue[input.instrument] === undefined
            ? (ledger.byInstrument[input.instrument] ?? []).flatMap((k) => accs.get(k) ?? [])
            : [];
      for (const a of moved) closeSegment(a, t);
      if (input.type === 'quote') {
        const m = marksOf(quoteKey(input.venue, input.instrument), t);
        if (m.bid !== input.bid || m.ask !== input.ask) {
          advance(m, t);
          m.bid = input.bid;
          m.ask = input.ask;
        }
      } else if (input.type !== 'listing') {
        const key = bookKey(input.accountId, input.instrument);
        const a = accs.get(key);
        if (a !== undefined) closeSegment(a, t);
      }
      const cps = stepLedger(ledger, input, o.onCheckpoint !== undefined, own);
      for (const a of moved) rebase(a, t);
      if (input.type === 'fill' || input.type === 'funding') {
        const key = bookKey(input.accountId, input.instrument);
        if (!accs.has(key)) {
          const m = marksOfBook(ledger.books[key]!, t);
          flush(m, t);
          // A book opened mid-interval: its net PnL before it existed was 0.
          accs.set(key, {
            key,
            segStart: t,
            segCum: m.cum,
            segCumExtra: m.cumExtra,
            segMarked: m.marked,
            intUnreal: new Dec(0),
            intNet: new Dec(0),
            netAtStart: new Dec(0),
          });
        }
      }
      if (o.onCheckpoint) for (const c of cps) o.onCheckpoint(c);
    },
    finish: (endMs) => {
      if (Number.isNaN(intervalStart)) return;
      if (endMs !== undefined) while (intervalStart + o.intervalMs <= endMs) closeInterval();
      else closeInterval();
    },
  };
};
