/**
 * The PnL fold: every account's average-cost book per instrument, the last quote of every
 * instrument, and the checkpoints each event produces (the PnlUpdated figures). One
 * implementation serves the live balance-aggregator (through the pure `evolvePnl`) and the
 * backfill (through `stepLedger` on a ledger it owns), so the two agree by construction.
 *
 * Checkpoints (a pure function of the log): after every fill and every funding payment, for
 * that book; and when an instrument's quotes cross into a new UTC minute (event time), for
 * every open book in that instrument, at the new quote's mark.
 */
import { EventData, RecordedEvent } from '@keel/events';
import { applyFill, applyFunding, emptyBook, figures, midOf, PnlBook } from './pnl.math';
import { isoMs } from './pnl.time';

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
    }
  | {
      readonly type: 'quote';
      readonly position: number;
      readonly ts: string;
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
    };

/** The event types the fold reads. */
export const PNL_INPUT_TYPES = ['OrderFilled', 'QuoteUpdated', 'FundingPaid'] as const;

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
  readonly quotes: Readonly<Record<string, PnlQuote>>;
}

/** A ledger the caller owns and lets `stepLedger` change (entries are replaced, never mutated). */
export interface MutableLedger {
  books: Record<string, PnlBook>;
  byInstrument: Record<string, readonly string[]>;
  quotes: Record<string, PnlQuote>;
}

export type PnlCheckpoint = EventData<'PnlUpdated'>;

/** The mark of an instrument: the mid of its last quote (computed only when a figure needs it). */
export const markOf = (q: PnlQuote | undefined): string | null =>
  q === undefined ? null : midOf(q.bid, q.ask);

export const emptyLedger = (): PnlLedger => ({ books: {}, byInstrument: {}, quotes: {} });

/** Ids and instruments never contain whitespace, so a space separates them unambiguously. */
export const bookKey = (accountId: string, instrument: string): string => `${accountId} ${instrument}`;

const checkpoint = (
  l: MutableLedger,
  key: string,
  trigger: PnlCheckpoint['trigger'],
  input: PnlInput,
): PnlCheckpoint => {
  const book = l.books[key]!;
  return {
    accountId: book.accountId,
    instrument: book.instrument,
    trigger,
    asOfPosition: input.position,
    asOf: input.ts,
    ...figures(book, markOf(l.quotes[book.instrument])),
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
      const prev = l.quotes[input.instrument];
      // `ms`: the event time the caller already read (isoMs(input.ts)), to read it once.
      const minute = Math.floor((ms ?? isoMs(input.ts)) / CHECKPOINT_MS);
      if (prev !== undefined && prev.bid === input.bid && prev.ask === input.ask && prev.minute === minute)
        return NONE;
      l.quotes[input.instrument] = { bid: input.bid, ask: input.ask, minute };
      if (prev === undefined || minute <= prev.minute || !withCheckpoints) return NONE;
      const out: PnlCheckpoint[] = [];
      for (const key of l.byInstrument[input.instrument] ?? [])
        if (l.books[key]!.position !== '0') out.push(checkpoint(l, key, 'interval', input));
      return out;
    }
    case 'fill': {
      const [key, book] = bookFor(l, input.accountId, input.instrument);
      l.books[key] = applyFill(book, input.side, input.qty, input.price, input.fee);
      return withCheckpoints ? [checkpoint(l, key, 'fill', input)] : NONE;
    }
    case 'funding': {
      const [key, book] = bookFor(l, input.accountId, input.instrument);
      l.books[key] = applyFunding(book, input.amount);
      return withCheckpoints ? [checkpoint(l, key, 'funding', input)] : NONE;
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
  };
  const checkpoints = stepLedger(l, input);
  return { ledger: l, checkpoints };
};

type Filled = EventData<'OrderFilled'>;
type Quoted = EventData<'QuoteUpdated'>;
type Funded = EventData<'FundingPaid'>;

/** What the fold reads of a decoded event; null for the types it does not read. */
export const toPnlInput = (e: RecordedEvent): PnlInput | null => {
  // Not a switch: the fold reads three types of the catalog and ignores every other one.
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
    };
  }
  if (e.type === 'QuoteUpdated') {
    const d: Quoted = e.data;
    return {
      type: 'quote',
      position: e.globalPosition,
      ts: e.occurredAt,
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
    };
  }
  return null;
};
