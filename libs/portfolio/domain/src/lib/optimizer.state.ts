/**
 * What the optimizer knows, as a fold of the log (plain JSON: the runtime snapshots it):
 * the latest live prediction of each model per instrument, each account's equity (with its
 * peak and the day's first value), prices and their volatility, venue rules, positions, CME
 * contract mapping, kill switches, and its own decisions (targets, why-statuses, risk states).
 *
 * The fold takes no configuration, so a snapshot stays valid whatever `KEEL_CONFIG` says at the
 * next start; what the configuration changes is how `rebalance` reads this state. Memory is
 * flat: one entry per (model, instrument), (account, instrument), (venue, instrument).
 */
import * as E from 'fp-ts/Either';
import { addTradingMs } from '@keel/calendar';
import { EventType, NewEvent } from '@keel/events';
import { Buckets, getIn, removeIn, setIn as putIn } from './buckets';

export const OPTIMIZER_APP = 'optimizer';

export interface LivePrediction {
  readonly kind: 'signal' | 'weight';
  readonly value: number;
  readonly confidence: number | null;
  readonly generatedAt: number;
  /** Epoch ms: when it counts from (the next open, for a CME prediction received while closed). */
  readonly startAt: number;
  /** Epoch ms when it is void (trading time for a CME root); null: never. */
  readonly expiresAt: number | null;
  readonly eventId: string;
}

export interface EquityFacts {
  readonly equity: number;
  readonly currency: string;
  readonly asOf: number;
  /** The highest equity seen (reset to the current value by a kill switch release). */
  readonly peak: number;
  /** UTC date of `asOf` and the equity at the start of that day (the last value before it). */
  readonly day: string;
  readonly dayStart: number;
  /** The lowest equity of that day: a daily loss, once hit, holds for the rest of the day. */
  readonly dayLow: number;
  /**
   * Why the latest valuation cannot be trusted (an unpriced asset, a rejected or overdue venue
   * snapshot); null or absent when it can. A stale valuation moves none of the figures above:
   * an asset left out of it is not a loss.
   */
  readonly stale?: string | null;
}

export interface PriceFacts {
  readonly mid: number;
  readonly at: number;
  /** Volatility: the current minute bucket, its last mid, the last closed bucket's mid and its bucket. */
  readonly bucket: number;
  readonly bucketMid: number;
  readonly lastClose: number | null;
  readonly closeBucket: number;
  /** EWMA of squared log returns per bucket, and how many returns it holds. */
  readonly variance: number;
  readonly samples: number;
}

export interface Rules {
  readonly lotSize: string;
  readonly contractSize: string;
  readonly minQty: string;
}

export interface TargetFacts {
  readonly qty: string;
  /** `qty` in lots (an integer), for comparisons without decimals. */
  readonly lots: number;
  /** How many targets were set for this (account, instrument): the next id derives from it. */
  readonly seq: number;
}

export type RiskName = 'ACTIVE' | 'REDUCING' | 'HALTED';
export interface RiskRecord {
  readonly state: RiskName;
  readonly cause: string;
  /** Changes recorded for this scope (the next id derives from it). */
  readonly seq: number;
}

/** The last thing recorded for an (account, instrument): a target (`set`) or a withheld code. */
export interface StatusRecord {
  readonly code: string;
  readonly seq: number;
}

export interface OptimizerState {
  /** instrument → modelId → the model's latest prediction. */
  readonly predictions: Buckets<Readonly<Record<string, LivePrediction>>>;
  readonly equity: Readonly<Record<string, EquityFacts>>;
  /** `${venue} ${instrument}` (`* CME:<ROOT>` for a root, from its mapped contract) → price. */
  readonly prices: Buckets<PriceFacts>;
  /** venue → instrument → rules; account → venue. */
  readonly rules: Readonly<Record<string, Readonly<Record<string, Rules>>>>;
  readonly venueOf: Readonly<Record<string, string>>;
  /** account → instrument → position (venue units), from PositionReported and fills. */
  readonly positions: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** CME root → the contract its `CME:<ROOT>` trades through. */
  readonly contracts: Readonly<Record<string, string>>;
  readonly kill: { readonly global: boolean; readonly accounts: readonly string[] };
  /** account → instrument → the latest target set (by anyone: the optimizer, a replay tool). */
  readonly targets: Readonly<Record<string, Readonly<Record<string, TargetFacts>>>>;
  /** account (`-` for none) → instrument → `set` or the withheld code last recorded. */
  readonly status: Readonly<Record<string, Readonly<Record<string, StatusRecord>>>>;
  /** Recorded risk states: `global`, and per account. */
  readonly risk: { readonly global: RiskRecord; readonly accounts: Readonly<Record<string, RiskRecord>> };
  /** Accounts halted by max drawdown, until a kill switch release covers them. */
  readonly drawdownHalted: readonly string[];
  /** The configuration last recorded (OptimizerConfigApplied). */
  readonly config: { readonly digest: string; readonly document: Readonly<Record<string, unknown>> } | null;
}

export const initialOptimizerState: OptimizerState = {
  predictions: {},
  equity: {},
  prices: {},
  rules: {},
  venueOf: {},
  positions: {},
  contracts: {},
  kill: { global: false, accounts: [] },
  targets: {},
  status: {},
  risk: { global: { state: 'ACTIVE', cause: 'cleared', seq: 0 }, accounts: {} },
  drawdownHalted: [],
  config: null,
};

export const OPTIMIZER_EVENT_TYPES = [
  'PredictionReceived',
  'AccountEquityUpdated',
  'QuoteUpdated',
  'InstrumentsListed',
  'PositionReported',
  'OrderFilled',
  'ContractMapped',
  'KillSwitchEngaged',
  'KillSwitchReleased',
  'TargetPositionSet',
  'TargetWithheld',
  'RiskStateChanged',
  'OptimizerConfigApplied',
] as const satisfies readonly EventType[];
export type OptimizerEventType = (typeof OPTIMIZER_EVENT_TYPES)[number];

/** A model's live predictions for an instrument (model id → prediction). */
export const predictionsOf = (
  s: OptimizerState,
  instrument: string,
): Readonly<Record<string, LivePrediction>> | undefined => getIn(s.predictions, instrument);

/** The price series under a `priceKey`. */
export const priceAt = (s: OptimizerState, key: string): PriceFacts | undefined => getIn(s.prices, key);

/** Volatility buckets: one return per minute, EWMA with a one-hour half-life. */
export const VOL_BUCKET_MS = 60_000;
export const VOL_HALF_LIFE_BUCKETS = 60;
export const VOL_MIN_SAMPLES = 10;
const LAMBDA = Math.pow(0.5, 1 / VOL_HALF_LIFE_BUCKETS);
/** Buckets a year: crypto trades around the clock; CME about 23 h on 252 days. */
export const bucketsPerYear = (instrument: string): number =>
  instrument.startsWith('CME:') ? (252 * 23 * 3_600_000) / VOL_BUCKET_MS : (365 * 86_400_000) / VOL_BUCKET_MS;

/** Annualised volatility of a price series, or null with too few returns. */
export const annualVol = (instrument: string, p: PriceFacts | undefined): number | null =>
  p === undefined || p.samples < VOL_MIN_SAMPLES || !(p.variance > 0)
    ? null
    : Math.sqrt(p.variance * bucketsPerYear(instrument));

export const CME_PREFIX = 'CME:';
export const rootOf = (instrument: string): string | null =>
  instrument.startsWith(CME_PREFIX) ? instrument.slice(CME_PREFIX.length) : null;
export const priceKey = (venue: string, instrument: string): string => `${venue} ${instrument}`;
/** CME roots are priced from their mapped contract at any venue. */
export const ANY_VENUE = '*';

const setIn = <T>(
  m: Readonly<Record<string, Readonly<Record<string, T>>>>,
  a: string,
  b: string,
  v: T,
): Readonly<Record<string, Readonly<Record<string, T>>>> => ({ ...m, [a]: { ...(m[a] ?? {}), [b]: v } });

const ms = (iso: string): number => Date.parse(iso);

/** When a prediction is void: `generatedAt + ttl`, in trading time for a CME root. */
export const expiryOf = (
  instrument: string,
  startAt: number,
  generatedAt: number,
  ttlSec: number | null,
): number | null => {
  if (ttlSec === null) return null;
  const root = rootOf(instrument);
  if (root === null) return generatedAt + ttlSec * 1000;
  // Trading time runs from when the prediction applies (the next open if it came while closed).
  const end = addTradingMs(root, Math.max(startAt, generatedAt), ttlSec * 1000);
  // Past the calendar's years: wall time, the only measure left (never a prediction that lives forever).
  return E.isRight(end) ? end.right : generatedAt + ttlSec * 1000;
};

const prediction = (s: OptimizerState, e: NewEvent<'PredictionReceived'>): OptimizerState => {
  const d = e.data;
  const generatedAt = ms(d.generatedAt);
  const mine = getIn(s.predictions, d.instrument);
  const previous = mine?.[d.modelId];
  // A model's newer prediction replaces its older one; a late, older one changes nothing.
  if (previous !== undefined && previous.generatedAt > generatedAt) return s;
  const startAt = d.market ? Math.max(ms(d.market.effectiveAt), generatedAt) : generatedAt;
  const p: LivePrediction = {
    kind: d.kind,
    value: d.value,
    confidence: d.confidence,
    generatedAt,
    startAt,
    expiresAt: expiryOf(d.instrument, startAt, generatedAt, d.ttlSec),
    eventId: e.eventId,
  };
  return { ...s, predictions: putIn(s.predictions, d.instrument, { ...(mine ?? {}), [d.modelId]: p }) };
};

const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);

const equity = (s: OptimizerState, e: NewEvent<'AccountEquityUpdated'>): OptimizerState => {
  const d = e.data;
  const value = Number(d.equity);
  const asOf = ms(d.asOf);
  const prev = s.equity[d.accountId];
  if (prev !== undefined && asOf < prev.asOf) return s; // an older valuation arriving late
  if (d.stale !== null) {
    const held: EquityFacts = prev ?? {
      equity: value,
      currency: d.currency,
      asOf,
      peak: value,
      day: utcDay(asOf),
      dayStart: value,
      dayLow: value,
    };
    return { ...s, equity: { ...s.equity, [d.accountId]: { ...held, asOf, stale: d.stale } } };
  }
  const day = utcDay(asOf);
  const next: EquityFacts = {
    equity: value,
    currency: d.currency,
    asOf,
    peak: Math.max(prev?.peak ?? value, value),
    day,
    dayStart: prev === undefined ? value : prev.day === day ? prev.dayStart : prev.equity,
    dayLow: prev !== undefined && prev.day === day ? Math.min(prev.dayLow, value) : value,
  };
  return { ...s, equity: { ...s.equity, [d.accountId]: next } };
};

/** One mid into a price series: the volatility estimate moves once per closed bucket. */
export const nextPrice = (p: PriceFacts | undefined, mid: number, at: number): PriceFacts => {
  const bucket = Math.floor(at / VOL_BUCKET_MS);
  if (p === undefined)
    return { mid, at, bucket, bucketMid: mid, lastClose: null, closeBucket: bucket, variance: 0, samples: 0 };
  if (at < p.at) return p;
  if (bucket === p.bucket) return { ...p, mid, at, bucketMid: mid };
  // The previous bucket closed at `bucketMid`: one return against the close before it,
  // spread over the buckets it spans (a gap of k buckets carries k buckets of variance).
  if (p.lastClose === null)
    return { ...p, mid, at, bucket, bucketMid: mid, lastClose: p.bucketMid, closeBucket: p.bucket };
  const r = Math.log(p.bucketMid / p.lastClose);
  const span = Math.max(1, p.bucket - p.closeBucket);
  const variance = p.samples === 0 ? (r * r) / span : LAMBDA * p.variance + (1 - LAMBDA) * ((r * r) / span);
  return {
    mid,
    at,
    bucket,
    bucketMid: mid,
    lastClose: p.bucketMid,
    closeBucket: p.bucket,
    variance,
    samples: p.samples + 1,
  };
};

const quote = (s: OptimizerState, e: NewEvent<'QuoteUpdated'>): OptimizerState => {
  const d = e.data;
  const mid = (Number(d.bidPrice) + Number(d.askPrice)) / 2;
  const at = ms(d.venueAt);
  if (!(mid > 0)) return s;
  // A CME contract's quote prices its root while it is the mapped contract.
  let key = priceKey(d.venue, d.instrument);
  for (const root in s.contracts)
    if (s.contracts[root] === d.instrument) key = priceKey(ANY_VENUE, `${CME_PREFIX}${root}`);
  return { ...s, prices: putIn(s.prices, key, nextPrice(getIn(s.prices, key), mid, at)) };
};

const listed = (s: OptimizerState, e: NewEvent<'InstrumentsListed'>): OptimizerState => {
  const d = e.data;
  const rules: Record<string, Rules> = {};
  for (const i of d.instruments)
    rules[i.symbol] = { lotSize: i.lotSize, contractSize: i.contractSize, minQty: i.minQty };
  const venueOf = { ...s.venueOf };
  for (const a of d.accountIds) venueOf[a] = d.venue;
  return { ...s, rules: { ...s.rules, [d.venue]: rules }, venueOf };
};

const positions = (s: OptimizerState, e: NewEvent<'PositionReported'>): OptimizerState => {
  const d = e.data;
  const mine: Record<string, string> = {};
  for (const p of d.positions) mine[p.instrument] = p.qty;
  return { ...s, positions: { ...s.positions, [d.accountId]: mine } };
};

const filled = (s: OptimizerState, e: NewEvent<'OrderFilled'>): OptimizerState => {
  const d = e.data;
  const before = Number(s.positions[d.accountId]?.[d.instrument] ?? '0');
  const after = before + (d.side === 'buy' ? 1 : -1) * Number(d.qty);
  // A float is enough here: positions are a bound for REDUCING; the venue's report replaces it.
  return { ...s, positions: setIn(s.positions, d.accountId, d.instrument, String(after)) };
};

const mapped = (s: OptimizerState, e: NewEvent<'ContractMapped'>): OptimizerState => {
  const d = e.data;
  if (s.contracts[d.root] === d.contract) return s;
  // A new contract starts a new price series (the roll's calendar spread is not a return).
  const key = priceKey(ANY_VENUE, `${CME_PREFIX}${d.root}`);
  const prices = removeIn(s.prices, key);
  return { ...s, contracts: { ...s.contracts, [d.root]: d.contract }, prices };
};

const kill = (s: OptimizerState, e: NewEvent<'KillSwitchEngaged' | 'KillSwitchReleased'>): OptimizerState => {
  const d = e.data;
  const on = e.type === 'KillSwitchEngaged';
  if (d.scope === 'account' && d.accountId === null) return s;
  const next: OptimizerState =
    d.scope === 'global'
      ? { ...s, kill: { ...s.kill, global: on } }
      : {
          ...s,
          kill: {
            ...s.kill,
            accounts: on
              ? [...s.kill.accounts.filter((a) => a !== d.accountId), d.accountId as string].sort()
              : s.kill.accounts.filter((a) => a !== d.accountId),
          },
        };
  if (on) return next;
  // A release is the operator's "looked at it, resume": it also lifts a max-drawdown halt of
  // the accounts it covers and measures drawdown afresh from their current equity.
  const covered = (a: string): boolean => d.scope === 'global' || a === d.accountId;
  const eq: Record<string, EquityFacts> = { ...next.equity };
  for (const [a, f] of Object.entries(next.equity)) if (covered(a)) eq[a] = { ...f, peak: f.equity };
  return { ...next, equity: eq, drawdownHalted: next.drawdownHalted.filter((a) => !covered(a)) };
};

const targetSet = (s: OptimizerState, e: NewEvent<'TargetPositionSet'>): OptimizerState => {
  const d = e.data;
  const prev = s.targets[d.accountId]?.[d.instrument];
  const rules = s.rules[s.venueOf[d.accountId] ?? '']?.[d.instrument];
  const lot = rules === undefined || rootOf(d.instrument) !== null ? 1 : Number(rules.lotSize);
  const t: TargetFacts = {
    qty: d.targetQty,
    lots: Math.round(Number(d.targetQty) / lot),
    seq: (prev?.seq ?? 0) + 1,
  };
  return {
    ...s,
    targets: setIn(s.targets, d.accountId, d.instrument, t),
    status: setIn(s.status, d.accountId, d.instrument, nextStatus(s, d.accountId, d.instrument, 'set')),
  };
};

/** `-`: the status of an instrument no account trades. */
export const NO_ACCOUNT = '-';

const nextStatus = (s: OptimizerState, account: string, instrument: string, code: string): StatusRecord => ({
  code,
  seq: (s.status[account]?.[instrument]?.seq ?? 0) + 1,
});

const withheld = (s: OptimizerState, e: NewEvent<'TargetWithheld'>): OptimizerState => {
  const account = e.data.accountId ?? NO_ACCOUNT;
  return {
    ...s,
    status: setIn(
      s.status,
      account,
      e.data.instrument,
      nextStatus(s, account, e.data.instrument, e.data.code),
    ),
  };
};

const riskChanged = (s: OptimizerState, e: NewEvent<'RiskStateChanged'>): OptimizerState => {
  const d = e.data;
  if (d.scope === 'global' || d.accountId === null)
    return { ...s, risk: { ...s.risk, global: { state: d.to, cause: d.cause, seq: s.risk.global.seq + 1 } } };
  const account = d.accountId;
  const rec: RiskRecord = { state: d.to, cause: d.cause, seq: (s.risk.accounts[account]?.seq ?? 0) + 1 };
  const halted = d.to === 'HALTED' && d.cause === 'maxDrawdown';
  return {
    ...s,
    risk: { ...s.risk, accounts: { ...s.risk.accounts, [account]: rec } },
    drawdownHalted: halted
      ? [...s.drawdownHalted.filter((a) => a !== account), account].sort()
      : s.drawdownHalted,
  };
};

const configApplied = (s: OptimizerState, e: NewEvent<'OptimizerConfigApplied'>): OptimizerState => ({
  ...s,
  config: { digest: e.data.digest, document: e.data.config },
});

type Handlers = {
  readonly [K in OptimizerEventType]: (s: OptimizerState, e: NewEvent<K>) => OptimizerState;
};
const HANDLERS: Handlers = {
  PredictionReceived: prediction,
  AccountEquityUpdated: equity,
  QuoteUpdated: quote,
  InstrumentsListed: listed,
  PositionReported: positions,
  OrderFilled: filled,
  ContractMapped: mapped,
  KillSwitchEngaged: kill,
  KillSwitchReleased: kill,
  TargetPositionSet: targetSet,
  TargetWithheld: withheld,
  RiskStateChanged: riskChanged,
  OptimizerConfigApplied: configApplied,
};

const isOptimizerEvent = (e: NewEvent): e is NewEvent<OptimizerEventType> => e.type in HANDLERS;

/**
 * The fold: pure, total (an event of another type leaves the state as it is). It reads only
 * what a new event already has (type, id, data), so the engine folds its own writes in before
 * the bus brings them back; a RecordedEvent is one.
 */
export const evolveOptimizer = (s: OptimizerState, e: NewEvent): OptimizerState => {
  if (!isOptimizerEvent(e)) return s;
  const h = HANDLERS[e.type] as (s: OptimizerState, e: NewEvent) => OptimizerState;
  return h(s, e);
};
