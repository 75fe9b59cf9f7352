/**
 * The balance-aggregator's valuation as a fold of the log: each account's latest venue snapshot
 * (AccountSnapshotReported replaces the last whole; AccountSnapshotRejected flags it), live marks
 * (QuoteUpdated, per venue), instrument rules (InstrumentsListed) and fills (OrderFilled, for
 * the position they imply). Each event that moves a figure leaves in `out` what it calls for:
 * AccountEquityUpdated when an account's equity moves past the deadband, turns stale or fresh,
 * or is due a heartbeat; PortfolioValued likewise for the total; PositionDriftDetected when a
 * venue's position and the fills disagree past the grace period, and when they agree again.
 * Pure and JSON (decimals as strings), so the live engine, a restart and a replay all derive
 * the very same events from the same log.
 */
import Decimal from 'decimal.js';
import { EventData, RecordedEvent } from '@keel/events';
import { BalancesConfig } from './balances.config';
import {
  Fx,
  fx,
  fxAbs,
  fxAdd,
  fxCmp,
  fxMul,
  fxSub,
  fxText,
  Haircut,
  parseFx,
  Mark,
  PriceBook,
  SnapshotBook,
  splitSymbol,
  Valuation,
  ValuationSettings,
  valueAccount,
} from './valuation';

const D = (text: string): Decimal => new Decimal(text);

export interface RecordedEquity {
  readonly equity: string;
  readonly stale: string | null;
  readonly at: number;
}

export interface AccountEntry {
  readonly book: SnapshotBook | null;
  /** The last rejection since the book, if any: the book is then stale. */
  readonly rejected: { readonly reason: string; readonly at: number } | null;
  /** The latest valuation (what the portfolio sums). */
  readonly value: RecordedEquity | null;
  /** The last AccountEquityUpdated this fold called for. */
  readonly recorded: RecordedEquity | null;
  /** What its value depends on (`venue|instrument` marks, `unpriced|ASSET`), as indexed in `holders`. */
  readonly deps: readonly string[];
}

export interface DriftEntry {
  /** The first reported quantity plus every fill since (base units). */
  readonly implied: string;
  readonly since: number | null;
  readonly announced: { readonly venueQty: string; readonly impliedQty: string } | null;
}

/** What one event calls for; the engine turns each into an event whose id derives from the cause and `key`. */
export type Outgoing =
  | {
      readonly type: 'AccountEquityUpdated';
      readonly stream: string;
      readonly key: string;
      readonly data: EventData<'AccountEquityUpdated'>;
    }
  | {
      readonly type: 'PortfolioValued';
      readonly stream: string;
      readonly key: string;
      readonly data: EventData<'PortfolioValued'>;
    }
  | {
      readonly type: 'PositionDriftDetected';
      readonly stream: string;
      readonly key: string;
      readonly data: EventData<'PositionDriftDetected'>;
    };

export interface BalancesState extends PriceBook {
  readonly accounts: Readonly<Record<string, AccountEntry>>;
  /** venue → instrument → base units per lot unit (fills of OKX swaps are in contracts). */
  readonly contractSizes: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** `venue|instrument` (a mark it uses) or `unpriced|ASSET` → the accounts whose value depends on it. */
  readonly holders: Readonly<Record<string, readonly string[]>>;
  readonly drift: Readonly<Record<string, Readonly<Record<string, DriftEntry>>>>;
  readonly portfolio: {
    readonly recorded: {
      readonly total: string;
      readonly stale: readonly string[];
      readonly at: number;
    } | null;
  };
  /** When the fold last looked at every account for heartbeats and age (event time). */
  readonly sweptAt: number;
  readonly out: readonly Outgoing[];
}

export const BALANCES_INPUT_TYPES = [
  'AccountSnapshotReported',
  'AccountSnapshotRejected',
  'QuoteUpdated',
  'InstrumentsListed',
  'OrderFilled',
] as const;

export const initialBalances: BalancesState = {
  accounts: {},
  marks: {},
  bases: {},
  contractSizes: {},
  holders: {},
  drift: {},
  portfolio: { recorded: null },
  sweptAt: 0,
  out: [],
};

export const equityStream = (accountId: string): string => `balances-${accountId}`;
export const PORTFOLIO_STREAM = 'balances-portfolio';

/** What the fold needs besides the log: the settings and the haircut tables. */
export interface BalancesSettings {
  readonly config: BalancesConfig;
  readonly haircut: Haircut;
}

const SWEEP_MS = 1_000;

const emptyEntry: AccountEntry = { book: null, rejected: null, value: null, recorded: null, deps: [] };

/** The keys a valuation depends on: the marks it used, its positions' own marks, what it could not price. */
const depsOf = (book: SnapshotBook, v: Valuation): string[] => {
  const keys = new Set(v.uses);
  for (const p of book.positions) if (p.instrument !== null) keys.add(`${book.venue}|${p.instrument}`);
  for (const u of v.unpriced) keys.add(`unpriced|${u}`);
  for (const p of book.positions)
    if (v.unpriced.includes(p.instrument ?? p.venueSymbol)) keys.add(`unpriced|${p.settle}`);
  return [...keys].sort();
};

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const rehold = (
  holders: BalancesState['holders'],
  accountId: string,
  before: readonly string[],
  after: readonly string[],
): BalancesState['holders'] => {
  const next = { ...holders };
  for (const k of new Set(before)) next[k] = (next[k] ?? []).filter((a) => a !== accountId);
  for (const k of new Set(after)) next[k] = [...(next[k] ?? []).filter((a) => a !== accountId), accountId];
  return next;
};

const staleReason = (
  entry: AccountEntry,
  v: Valuation,
  now: number,
  config: BalancesConfig,
): string | null => {
  const why: string[] = [];
  if (entry.rejected) why.push(`last snapshot rejected: ${entry.rejected.reason}`);
  if (entry.book && now - entry.book.receivedAt > config.staleAfterMs)
    why.push(`no account snapshot since ${new Date(entry.book.receivedAt).toISOString()}`);
  if (v.unpriced.length > 0) why.push(`no price for ${v.unpriced.join(', ')}`);
  return why.length === 0 ? null : why.join('; ').slice(0, 512);
};

/** |next − prev| > |prev| × deadband. */
const moved = (p: Fx, next: Fx, deadband: Decimal): boolean =>
  fxCmp(fxAbs(fxSub(next, p)), fxMul(fxAbs(p), fx(deadband.toFixed()))) > 0;

// A recorded figure's value, parsed once per figure (they are made once, so not worth the shared cache).
const FIGURES = new WeakMap<object, Fx>();
const figureOf = (holder: object, text: string): Fx => {
  let v = FIGURES.get(holder);
  if (v === undefined) FIGURES.set(holder, (v = parseFx(text)));
  return v;
};
const equityOf = (r: RecordedEquity): Fx => figureOf(r, r.equity);

// One settings object per (settings, account), so a valuation can tell its last figures still apply.
const VALUATION = new WeakMap<BalancesSettings, Map<string, ValuationSettings>>();
const valuationOf = (settings: BalancesSettings, accountId: string): ValuationSettings => {
  let byAccount = VALUATION.get(settings);
  if (byAccount === undefined) VALUATION.set(settings, (byAccount = new Map()));
  let v = byAccount.get(accountId);
  if (v === undefined) {
    const { config } = settings;
    v = {
      reportingCurrency: config.reportingCurrency,
      fixedRates: config.fixedRates,
      teamRatios: config.collateralRatios[accountId] ?? {},
      haircut: settings.haircut,
    };
    byAccount.set(accountId, v);
  }
  return v;
};

/** Revalues one account; records its equity if due. */
const revalue = (
  s: BalancesState,
  accountId: string,
  now: number,
  settings: BalancesSettings,
  out: Outgoing[],
): BalancesState => revalueMany(s, [accountId], now, settings, out);

/** Revalues accounts against the same marks (one copy of the accounts map, however many). */
const revalueMany = (
  s: BalancesState,
  ids: Iterable<string>,
  now: number,
  settings: BalancesSettings,
  out: Outgoing[],
): BalancesState => {
  let accounts: Record<string, AccountEntry> | null = null;
  let holders = s.holders;
  for (const id of ids) {
    const entry = s.accounts[id];
    if (!entry?.book) continue;
    const next = revalueOne(entry, entry.book, id, s, now, settings, out);
    if (!sameList(next.deps, entry.deps)) holders = rehold(holders, id, entry.deps, next.deps);
    (accounts ??= { ...s.accounts })[id] = next;
  }
  return accounts === null ? s : { ...s, accounts, holders };
};

const revalueOne = (
  entry: AccountEntry,
  book: SnapshotBook,
  accountId: string,
  s: BalancesState,
  now: number,
  settings: BalancesSettings,
  out: Outgoing[],
): AccountEntry => {
  const { config } = settings;
  const v = valueAccount(book, s, valuationOf(settings, accountId), now);
  const stale = staleReason(entry, v, now, config);
  const value: RecordedEquity = { equity: fxText(v.equity), stale, at: now };
  const deps = depsOf(book, v);
  const r = entry.recorded;
  const due =
    r === null ||
    r.stale !== stale ||
    moved(equityOf(r), v.equity, config.deadband) ||
    now - r.at >= config.heartbeatMs;
  if (due)
    out.push({
      type: 'AccountEquityUpdated',
      stream: equityStream(accountId),
      key: `equity:${accountId}`,
      data: {
        accountId,
        currency: config.reportingCurrency,
        equity: value.equity,
        asOf: new Date(now).toISOString(),
        unrealizedPnl: fxText(v.unrealizedPnl),
        collateral: v.collateral === null ? null : fxText(v.collateral),
        unpriced: v.unpriced.map((u) => u.slice(0, 64)),
        stale,
        haircuts: [...v.haircuts],
      },
    });
  return { ...entry, value, recorded: due ? value : r, deps: sameList(deps, entry.deps) ? entry.deps : deps };
};

/** Records the portfolio total if it moved, its stale set changed, or a heartbeat is due. */
const portfolio = (s: BalancesState, now: number, config: BalancesConfig, out: Outgoing[]): BalancesState => {
  let total: Fx = { v: 0n, s: 0 };
  const accounts: EventData<'PortfolioValued'>['accounts'] = [];
  const venues = new Map<string, Fx>();
  const stale: string[] = [];
  for (const [accountId, e] of Object.entries(s.accounts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (e.value === null || e.book === null) continue;
    const equity = equityOf(e.value);
    total = fxAdd(total, equity);
    venues.set(e.book.venue, fxAdd(venues.get(e.book.venue) ?? { v: 0n, s: 0 }, equity));
    accounts.push({ accountId, venue: e.book.venue, equity: e.value.equity, stale: e.value.stale !== null });
    if (e.value.stale !== null) stale.push(accountId);
  }
  if (accounts.length === 0) return s;
  const r = s.portfolio.recorded;
  const due =
    r === null ||
    r.stale.join(',') !== stale.join(',') ||
    moved(figureOf(r, r.total), total, config.deadband) ||
    now - r.at >= config.heartbeatMs;
  if (!due) return s;
  out.push({
    type: 'PortfolioValued',
    stream: PORTFOLIO_STREAM,
    key: 'portfolio',
    data: {
      currency: config.reportingCurrency,
      total: fxText(total),
      asOf: new Date(now).toISOString(),
      accounts,
      venues: [...venues]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([venue, equity]) => ({ venue, equity: fxText(equity) })),
      staleAccounts: stale,
    },
  });
  return { ...s, portfolio: { recorded: { total: fxText(total), stale, at: now } } };
};

/** Compares the venue's positions with the fills' on a new snapshot. */
const checkDrift = (
  s: BalancesState,
  accountId: string,
  book: SnapshotBook,
  first: boolean,
  now: number,
  config: BalancesConfig,
  out: Outgoing[],
): BalancesState => {
  const reported = new Map<string, Decimal>();
  for (const p of book.positions)
    if (p.instrument !== null)
      reported.set(p.instrument, (reported.get(p.instrument) ?? new Decimal(0)).plus(D(p.qty)));
  const prev = s.drift[accountId] ?? {};
  const next: Record<string, DriftEntry> = {};
  for (const instrument of new Set([...reported.keys(), ...Object.keys(prev)])) {
    const venueQty = reported.get(instrument) ?? new Decimal(0);
    const d = prev[instrument];
    if (first || d === undefined) {
      // The first report (or an instrument first seen) seeds the implied position.
      next[instrument] = { implied: venueQty.toFixed(), since: null, announced: null };
      continue;
    }
    const implied = D(d.implied);
    const data = (resolved: boolean): EventData<'PositionDriftDetected'> => ({
      accountId,
      venue: book.venue,
      instrument,
      venueQty: venueQty.toFixed(),
      impliedQty: implied.toFixed(),
      since: new Date(d.since ?? now).toISOString(),
      resolved,
    });
    if (venueQty.equals(implied)) {
      if (d.announced !== null)
        out.push({
          type: 'PositionDriftDetected',
          stream: equityStream(accountId),
          key: `drift:${accountId}:${instrument}`,
          data: data(true),
        });
      if (!venueQty.isZero()) next[instrument] = { implied: d.implied, since: null, announced: null };
      continue;
    }
    const since = d.since ?? now;
    const figures = { venueQty: venueQty.toFixed(), impliedQty: implied.toFixed() };
    const announce =
      now - since >= config.driftGraceMs &&
      (d.announced === null ||
        d.announced.venueQty !== figures.venueQty ||
        d.announced.impliedQty !== figures.impliedQty);
    if (announce)
      out.push({
        type: 'PositionDriftDetected',
        stream: equityStream(accountId),
        key: `drift:${accountId}:${instrument}`,
        data: { ...data(false), since: new Date(since).toISOString() },
      });
    next[instrument] = { implied: d.implied, since, announced: announce ? figures : d.announced };
  }
  return { ...s, drift: { ...s.drift, [accountId]: next } };
};

const bookOf = (d: EventData<'AccountSnapshotReported'>): SnapshotBook => ({
  venue: d.venue,
  currency: d.currency,
  receivedAt: Date.parse(d.receivedAt),
  balances: d.balances.map((b) => ({ asset: b.asset, total: b.total })),
  positions: d.positions.map((p) => ({
    instrument: p.instrument,
    venueSymbol: p.venueSymbol,
    qty: p.qty,
    entryPrice: p.entryPrice,
    markPrice: p.markPrice,
    unrealizedPnl: p.unrealizedPnl,
    settle: p.settle,
  })),
});

const byNow = (s: BalancesState, now: number, settings: BalancesSettings, out: Outgoing[]): BalancesState => {
  if (now - s.sweptAt < SWEEP_MS) return s;
  const due: string[] = [];
  for (const [id, e] of Object.entries(s.accounts)) {
    if (e.book === null) continue;
    const r = e.recorded;
    const aged = now - e.book.receivedAt > settings.config.staleAfterMs;
    if (r === null || r.stale !== null || aged || now - r.at >= settings.config.heartbeatMs) due.push(id);
  }
  return revalueMany({ ...s, sweptAt: now }, due.sort(), now, settings, out);
};

type BalancesInput = (typeof BALANCES_INPUT_TYPES)[number];
const INPUTS: ReadonlySet<string> = new Set(BALANCES_INPUT_TYPES);
const isInput = (e: RecordedEvent): e is RecordedEvent<BalancesInput> => INPUTS.has(e.type);

/** Applies one event; `out` is what it calls for. */
export const evolveBalances = (
  state: BalancesState,
  event: RecordedEvent,
  settings: BalancesSettings,
): BalancesState => {
  let s: BalancesState = state.out.length === 0 ? state : { ...state, out: [] };
  if (!isInput(event)) return s;
  const out: Outgoing[] = [];
  const now = Date.parse(event.occurredAt);
  switch (event.type) {
    case 'InstrumentsListed': {
      const sizes = { ...s.contractSizes[event.data.venue] };
      for (const i of event.data.instruments) sizes[i.symbol] = i.contractSize;
      s = { ...s, contractSizes: { ...s.contractSizes, [event.data.venue]: sizes } };
      break;
    }
    case 'QuoteUpdated': {
      const { venue, instrument, bidPrice, askPrice } = event.data;
      const mid = fxText(fxMul(fxAdd(parseFx(bidPrice), parseFx(askPrice)), { v: 5n, s: 1 }));
      const known = s.marks[venue]?.[instrument] !== undefined;
      const mark: Mark = { mid, at: now };
      s = { ...s, marks: { ...s.marks, [venue]: { ...s.marks[venue], [instrument]: mark } } };
      const sym = splitSymbol(instrument);
      if (!known && sym !== null) {
        const list = s.bases[venue]?.[sym.base] ?? [];
        s = {
          ...s,
          bases: { ...s.bases, [venue]: { ...s.bases[venue], [sym.base]: [...list, instrument].sort() } },
        };
      }
      // The accounts that used this mark, and those with something unpriced it may now price.
      const affected = new Set([
        ...(s.holders[`${venue}|${instrument}`] ?? []),
        ...(sym ? (s.holders[`unpriced|${sym.base}`] ?? []) : []),
        ...(sym ? (s.holders[`unpriced|${sym.quote}`] ?? []) : []),
      ]);
      s = revalueMany(s, [...affected].sort(), now, settings, out);
      break;
    }
    case 'AccountSnapshotReported': {
      const { accountId } = event.data;
      const before = s.accounts[accountId] ?? emptyEntry;
      const book = bookOf(event.data);
      s = { ...s, accounts: { ...s.accounts, [accountId]: { ...before, book, rejected: null } } };
      s = revalue(s, accountId, now, settings, out);
      s = checkDrift(s, accountId, book, before.book === null, now, settings.config, out);
      break;
    }
    case 'AccountSnapshotRejected': {
      const { accountId, path, reason } = event.data;
      const before = s.accounts[accountId] ?? emptyEntry;
      s = {
        ...s,
        accounts: {
          ...s.accounts,
          [accountId]: { ...before, rejected: { reason: `${path}: ${reason}`.slice(0, 300), at: now } },
        },
      };
      s = revalue(s, accountId, now, settings, out);
      break;
    }
    case 'OrderFilled': {
      const { accountId, instrument, side, qty } = event.data;
      const entry = s.accounts[accountId];
      const drift = s.drift[accountId];
      if (!entry?.book || drift === undefined) break; // before the first report: it seeds the position
      const size = s.contractSizes[entry.book.venue]?.[instrument];
      const base = size === undefined ? D(qty) : D(qty).times(D(size));
      const d = drift[instrument] ?? { implied: '0', since: null, announced: null };
      const implied = D(d.implied)
        .plus(side === 'buy' ? base : base.neg())
        .toFixed();
      s = { ...s, drift: { ...s.drift, [accountId]: { ...drift, [instrument]: { ...d, implied } } } };
      break;
    }
  }
  s = byNow(s, now, settings, out);
  if (out.some((o) => o.type === 'AccountEquityUpdated')) s = portfolio(s, now, settings.config, out);
  return out.length === 0 ? s : { ...s, out };
};
