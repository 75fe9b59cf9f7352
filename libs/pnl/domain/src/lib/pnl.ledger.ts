/**
 * The PnL fold: every account's average-cost book per instrument, the last quote of every
 * instrument at every venue, what the gateways listed (each account's venue, each instrument's
 * contract size and settle asset), and the checkpoints each event produces (the PnlUpdated
 * figures). One implementation serves the live balance-aggregator (through the pure
 * `evolvePnl`) and the backfill (through `stepLedger` on a ledger it owns), so the two agree by
 * construction.
 *
 * Units (docs/replay.md, "Units"):
 * - A book's money is in its instrument's settle asset; a price move is worth position ×
 *   contractSize × move (contract size from InstrumentsListed: OKX ctVal, CME multiplier).
 * - A book is marked by the quotes of its account's own venue (the venue of the
 *   InstrumentsListed naming the account), never by another venue's quote of the same symbol.
 * - A fee or funding payment in another asset X is converted at the mid of X/<settle> (else
 *   X/<settle>:<settle>) last quoted on the book's venue; with no such quote it is kept apart,
 *   per asset (`unconvertedFees`, `unconvertedFunding`), never valued at 0 or 1.
 * - A log that lists nothing (written before gateways listed instruments) folds as before:
 *   contract size 1, settle asset from the symbol (`BTC/USDT:USDT` → USDT; none for a bare
 *   code such as `ESZ5`, whose fees are then taken as they are), marked by the first venue
 *   that quoted the symbol.
 *
 * Checkpoints (a pure function of the log): after every fill and every funding payment, for
 * that book; and when a venue's quotes of an instrument cross into a new UTC minute (event
 * time), for every open book marked by them, at the new quote's mark.
 */
import { EventData, RecordedEvent } from '@keel/events';
import {
  addUnconverted,
  applyFill,
  applyFunding,
  Dec,
  emptyBook,
  figures,
  fmt,
  midOf,
  PnlBook,
} from './pnl.math';
import { isoMs } from './pnl.time';

/** What the fold keeps of a listed instrument. */
export interface ListedInstrument {
  readonly symbol: string;
  readonly contractSize: string;
  readonly settle: string;
}

/** The parts of an event the fold reads (what a lean replay extracts, and no more). */
export type PnlInput =
  | {
      readonly type: 'fill';
      readonly position: number;
      readonly ts: string;
      readonly accountId: string;
      readonly instrument: string;
      readonly side: 'buy' | 'sell';
      readonly qty: string;
      readonly price: string;
      readonly fee: string;
      readonly feeAsset: string;
    }
  | {
      readonly type: 'quote';
      readonly position: number;
      readonly ts: string;
      readonly venue: string;
      readonly instrument: string;
      readonly bid: string;
      readonly ask: string;
    }
  | {
      readonly type: 'funding';
      readonly position: number;
      readonly ts: string;
      readonly accountId: string;
      readonly instrument: string;
      readonly amount: string;
      readonly asset: string;
    }
  | {
      readonly type: 'listing';
      readonly position: number;
      readonly ts: string;
      readonly venue: string;
      readonly accountIds: readonly string[];
      readonly instruments: readonly ListedInstrument[];
    };

/** The event types the fold reads. */
export const PNL_INPUT_TYPES = ['OrderFilled', 'QuoteUpdated', 'FundingPaid', 'InstrumentsListed'] as const;

export const CHECKPOINT_MS = 60_000;

export interface PnlQuote {
  readonly bid: string;
  readonly ask: string;
  /** UTC minute (epoch ms / 60 000) of the quote's event time. */
  readonly minute: number;
}

/** Plain JSON, so it can be the app's snapshot. */
export interface PnlLedger {
  /** Keyed by `bookKey(account, instrument)`. */
  readonly books: Readonly<Record<string, PnlBook>>;
  /** Instrument → its book keys, sorted (checkpoint order). */
  readonly byInstrument: Readonly<Record<string, readonly string[]>>;
  /** Keyed by `quoteKey(venue, instrument)`. */
  readonly quotes: Readonly<Record<string, PnlQuote>>;
  /** Account → the venue that listed it (InstrumentsListed). */
  readonly venueOf: Readonly<Record<string, string>>;
  /** Keyed by `quoteKey(venue, symbol)`: what that venue listed. */
  readonly listed: Readonly<Record<string, ListedInstrument>>;
  /** Instrument → the first venue that quoted it (the mark of accounts no venue listed). */
  readonly firstVenue: Readonly<Record<string, string>>;
}

/** A ledger the caller owns and lets `stepLedger` change (entries are replaced, never mutated). */
export interface MutableLedger {
  books: Record<string, PnlBook>;
  byInstrument: Record<string, readonly string[]>;
  quotes: Record<string, PnlQuote>;
  venueOf: Record<string, string>;
  listed: Record<string, ListedInstrument>;
  firstVenue: Record<string, string>;
}

export type PnlCheckpoint = EventData<'PnlUpdated'>;

/** The mark of an instrument: the mid of its last quote (computed only when a figure needs it). */
export const markOf = (q: PnlQuote | undefined): string | null =>
  q === undefined ? null : midOf(q.bid, q.ask);

export const emptyLedger = (): PnlLedger => ({
  books: {},
  byInstrument: {},
  quotes: {},
  venueOf: {},
  listed: {},
  firstVenue: {},
});

/** Ids and instruments never contain whitespace, so a space separates them unambiguously. */
export const bookKey = (accountId: string, instrument: string): string => `${accountId} ${instrument}`;

/** A venue's instrument; venue '' (no venue known yet) is never quoted. */
export const quoteKey = (venue: string, instrument: string): string => `${venue} ${instrument}`;

/** The settle asset a ccxt symbol names (`BTC/USDT:USDT` → USDT, `BNB/USDT` → USDT); null for a bare code. */
export const settleOfSymbol = (symbol: string): string | null => {
  const colon = symbol.indexOf(':');
  if (colon >= 0) return symbol.slice(colon + 1) || null;
  const slash = symbol.indexOf('/');
  return slash >= 0 ? symbol.slice(slash + 1) || null : null;
};

/** How a book is valued: its mark venue ('' when none is known yet), contract size and settle asset. */
export interface BookUnits {
  readonly venue: string;
  readonly contractSize: string;
  readonly settle: string | null;
}

type Units = Pick<MutableLedger, 'venueOf' | 'listed' | 'firstVenue'>;

export const unitsOf = (l: Units, accountId: string, instrument: string): BookUnits => {
  const listedVenue = l.venueOf[accountId];
  const venue = listedVenue ?? l.firstVenue[instrument] ?? '';
  const rules = listedVenue === undefined ? undefined : l.listed[quoteKey(listedVenue, instrument)];
  return rules === undefined
    ? { venue, contractSize: '1', settle: settleOfSymbol(instrument) }
    : { venue, contractSize: rules.contractSize, settle: rules.settle };
};

/** The symbols whose quote converts `asset` into `settle`, in order of preference. */
export const conversionSymbols = (asset: string, settle: string): readonly [string, string] => [
  `${asset}/${settle}`,
  `${asset}/${settle}:${settle}`,
];

/**
 * An amount in `asset` in the book's settle asset: itself when it is the settle asset (or the
 * settle asset is not known), else times the mid of the conversion quote on the book's venue;
 * null when there is no such quote.
 */
const inSettle = (l: MutableLedger, u: BookUnits, asset: string, amount: string): string | null => {
  if (u.settle === null || asset === u.settle) return amount;
  if (new Dec(amount).isZero()) return '0';
  for (const symbol of conversionSymbols(asset, u.settle)) {
    const q = l.quotes[quoteKey(u.venue, symbol)];
    if (q !== undefined) return fmt(new Dec(amount).times(midOf(q.bid, q.ask)));
  }
  return null;
};

const checkpoint = (
  l: MutableLedger,
  key: string,
  trigger: PnlCheckpoint['trigger'],
  input: PnlInput,
): PnlCheckpoint => {
  const book = l.books[key]!;
  const u = unitsOf(l, book.accountId, book.instrument);
  return {
    accountId: book.accountId,
    instrument: book.instrument,
    trigger,
    asOfPosition: input.position,
    asOf: input.ts,
    contractSize: u.contractSize,
    unconvertedFees: book.unconvertedFees,
    unconvertedFunding: book.unconvertedFunding,
    ...figures(book, markOf(l.quotes[quoteKey(u.venue, book.instrument)]), u.contractSize),
  };
};

const bookFor = (l: MutableLedger, accountId: string, instrument: string): [string, PnlBook] => {
  const key = bookKey(accountId, instrument);
  const found = l.books[key];
  if (found) return [key, found];
  const book = emptyBook(accountId, instrument);
  l.books[key] = book;
  l.byInstrument[instrument] = [...(l.byInstrument[instrument] ?? []), key].sort();
  return [key, book];
};

const NONE: PnlCheckpoint[] = [];

/**
 * Fold one input into a ledger the caller owns; returns the checkpoints it produces (or
 * none when `withCheckpoints` is false: a backfill that writes only interval rows skips
 * their decimal work; the ledger is the same either way).
 */
export const stepLedger = (
  l: MutableLedger,
  input: PnlInput,
  withCheckpoints = true,
  ms?: number,
): PnlCheckpoint[] => {
  switch (input.type) {
    case 'quote': {
      const qk = quoteKey(input.venue, input.instrument);
      const prev = l.quotes[qk];
      // `ms`: the event time the caller already read (isoMs(input.ts)), to read it once.
      // The minute never goes back: a quote dated before the last one (venues' clocks and
      // batching step back by milliseconds) must not make the next minute's checkpoint twice.
      const at = Math.floor((ms ?? isoMs(input.ts)) / CHECKPOINT_MS);
      const minute = prev === undefined ? at : Math.max(prev.minute, at);
      if (prev !== undefined && prev.bid === input.bid && prev.ask === input.ask && prev.minute === minute)
        return NONE;
      l.quotes[qk] = { bid: input.bid, ask: input.ask, minute };
      if (l.firstVenue[input.instrument] === undefined) l.firstVenue[input.instrument] = input.venue;
      if (prev === undefined || minute === prev.minute || !withCheckpoints) return NONE;
      const out: PnlCheckpoint[] = [];
      for (const key of l.byInstrument[input.instrument] ?? []) {
        const book = l.books[key]!;
        if (book.position !== '0' && unitsOf(l, book.accountId, book.instrument).venue === input.venue)
          out.push(checkpoint(l, key, 'interval', input));
      }
      return out;
    }
    case 'fill': {
      const [key, book] = bookFor(l, input.accountId, input.instrument);
      const u = unitsOf(l, input.accountId, input.instrument);
      const fee = inSettle(l, u, input.feeAsset, input.fee);
      const next = applyFill(book, input.side, input.qty, input.price, fee ?? '0', u.contractSize);
      l.books[key] = fee === null ? addUnconverted(next, 'unconvertedFees', input.feeAsset, input.fee) : next;
      return withCheckpoints ? [checkpoint(l, key, 'fill', input)] : NONE;
    }
    case 'funding': {
      const [key, book] = bookFor(l, input.accountId, input.instrument);
      const u = unitsOf(l, input.accountId, input.instrument);
      const amount = inSettle(l, u, input.asset, input.amount);
      l.books[key] =
        amount === null
          ? addUnconverted(book, 'unconvertedFunding', input.asset, input.amount)
          : applyFunding(book, amount);
      return withCheckpoints ? [checkpoint(l, key, 'funding', input)] : NONE;
    }
    case 'listing': {
      for (const a of input.accountIds) l.venueOf[a] = input.venue;
      for (const i of input.instruments) l.listed[quoteKey(input.venue, i.symbol)] = i;
      return NONE;
    }
    default: {
      const unreachable: never = input;
      return unreachable;
    }
  }
};

/** Pure: the next ledger and the checkpoints the input produces. */
export const evolvePnl = (
  ledger: PnlLedger,
  input: PnlInput,
): { readonly ledger: PnlLedger; readonly checkpoints: readonly PnlCheckpoint[] } => {
  const l: MutableLedger = {
    books: { ...ledger.books },
    byInstrument: { ...ledger.byInstrument },
    quotes: { ...ledger.quotes },
    // Copied only when the input can change them (a listing, a symbol's first quote).
    venueOf: input.type === 'listing' ? { ...ledger.venueOf } : (ledger.venueOf as Record<string, string>),
    listed:
      input.type === 'listing' ? { ...ledger.listed } : (ledger.listed as Record<string, ListedInstrument>),
    firstVenue:
      input.type === 'quote' && ledger.firstVenue[input.instrument] === undefined
        ? { ...ledger.firstVenue }
        : (ledger.firstVenue as Record<string, string>),
  };
  const checkpoints = stepLedger(l, input);
  return { ledger: l, checkpoints };
};

type Filled = EventData<'OrderFilled'>;
type Quoted = EventData<'QuoteUpdated'>;
type Funded = EventData<'FundingPaid'>;
type Listed = EventData<'InstrumentsListed'>;

/** What the fold reads of a decoded event; null for the types it does not read. */
export const toPnlInput = (e: RecordedEvent): PnlInput | null => {
  // Not a switch: the fold reads four types of the catalog and ignores every other one.
  if (e.type === 'OrderFilled') {
    const d: Filled = e.data;
    return {
      type: 'fill',
      position: e.globalPosition,
      ts: e.occurredAt,
      accountId: d.accountId,
      instrument: d.instrument,
      side: d.side,
      qty: d.qty,
      price: d.price,
      fee: d.fee,
      feeAsset: d.feeAsset,
    };
  }
  if (e.type === 'QuoteUpdated') {
    const d: Quoted = e.data;
    return {
      type: 'quote',
      position: e.globalPosition,
      ts: e.occurredAt,
      venue: d.venue,
      instrument: d.instrument,
      bid: d.bidPrice,
      ask: d.askPrice,
    };
  }
  if (e.type === 'FundingPaid') {
    const d: Funded = e.data;
    return {
      type: 'funding',
      position: e.globalPosition,
      ts: e.occurredAt,
      accountId: d.accountId,
      instrument: d.instrument,
      amount: d.amount,
      asset: d.asset,
    };
  }
  if (e.type === 'InstrumentsListed') {
    const d: Listed = e.data;
    return {
      type: 'listing',
      position: e.globalPosition,
      ts: e.occurredAt,
      venue: d.venue,
      accountIds: d.accountIds,
      instruments: d.instruments.map((i) => ({
        symbol: i.symbol,
        contractSize: i.contractSize,
        settle: i.settle,
      })),
    };
  }
  return null;
};
