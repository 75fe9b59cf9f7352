/**
 * Spec fixtures for the optimizer's pure core: recorded events built through the contract
 * (`newEvent` validates every payload, so a fixture cannot drift from the catalog), a tape that
 * folds them as the runtime would, and builders for the facts the optimizer reads. Specs only.
 */
import * as E from 'fp-ts/Either';
import { markArrival } from '@keel/calendar';
import { deriveId, EventData, EventType, newEvent, RecordedEvent } from '@keel/events';
import { OptimizerConfig, resolveOptimizerConfig } from '../lib/optimizer.config';
import {
  evolveOptimizer,
  initialOptimizerState,
  OPTIMIZER_APP,
  OptimizerState,
  VOL_BUCKET_MS,
  bucketsPerYear,
} from '../lib/optimizer.state';
import { Decision, FULL_PASS, Rebalance, rebalance, RebalanceScope } from '../lib/rebalance';

export const SEC = 1_000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export const VENUE = 'binanceusdm';
export const BTC = 'BTC/USDT:USDT';
export const ETH = 'ETH/USDT:USDT';
export const MES = 'CME:MES';

export const t = (isoText: string): number => Date.parse(isoText);
export const iso = (at: number): string => new Date(at).toISOString();

export interface Envelope {
  /** When it happened (`occurredAt`, `recordedAt`). */
  readonly at: number;
  readonly position: number;
  readonly stream?: string;
  readonly eventId?: string;
  readonly producer?: string;
}

/** A stored event as the store hands it back; throws when the payload breaks the catalog. */
export const recorded = <T extends EventType>(type: T, data: EventData<T>, env: Envelope): RecordedEvent => {
  const made = newEvent(type, env.eventId ?? deriveId('fixture', type, env.position), data, {
    correlationId: 'spec',
    causationId: null,
    producer: env.producer ?? 'fixture',
    occurredAt: iso(env.at),
  });
  if (E.isLeft(made)) throw new Error(`${type} breaks the catalog: ${JSON.stringify(made.left)}`);
  return {
    ...made.right,
    stream: env.stream ?? 'fixture',
    streamRevision: 0,
    globalPosition: env.position,
    recordedAt: iso(env.at),
  } as RecordedEvent;
};

/** The configuration, or the spec fails with the decoder's message. */
export const config = (doc: unknown): OptimizerConfig => {
  const c = resolveOptimizerConfig(doc);
  if (E.isLeft(c)) throw new Error(`bad spec configuration: ${JSON.stringify(c.left)}`);
  return c.right;
};

/**
 * A log and its fold. `add` records a fact; `pass` runs the decision pass and records what it
 * decided (ids from the decision's parts, as the engine writes them), so the next pass sees it.
 */
export class Tape {
  private position = 0;
  readonly events: RecordedEvent[] = [];
  state: OptimizerState;

  constructor(from: OptimizerState = initialOptimizerState) {
    this.state = from;
  }

  add<T extends EventType>(type: T, data: EventData<T>, at: number, stream?: string, eventId?: string): this {
    const e = recorded(type, data, { at, position: ++this.position, stream, eventId });
    this.events.push(e);
    this.state = evolveOptimizer(this.state, e);
    return this;
  }

  /** Record a pass's decisions as the optimizer would. */
  record(decisions: readonly Decision[], at: number): this {
    for (const d of decisions)
      this.addAny(d.type, d.data, at, d.stream, deriveId(...d.idParts), OPTIMIZER_APP);
    return this;
  }

  /** Decide at `now` and record the decisions. */
  pass(cfg: OptimizerConfig, now: number, scope: RebalanceScope = FULL_PASS): Rebalance {
    const r = rebalance(cfg, this.state, now, scope);
    this.record(r.decisions, now);
    return r;
  }

  private addAny(
    type: Decision['type'],
    data: Decision['data'],
    at: number,
    stream: string,
    eventId: string,
    producer: string,
  ): void {
    const e = recorded(type, data as EventData<typeof type>, {
      at,
      position: ++this.position,
      stream,
      eventId,
      producer,
    });
    this.events.push(e);
    this.state = evolveOptimizer(this.state, e);
  }
}

// ---- builders: the facts the optimizer folds -------------------------------------------------

export interface RulesSpec {
  readonly lotSize?: string;
  readonly minQty?: string;
  readonly contractSize?: string;
}

/** A venue listing's rules for a linear perpetual (only lot, minimum and contract size matter here). */
export const rules = (
  symbol: string,
  r: RulesSpec = {},
): EventData<'InstrumentsListed'>['instruments'][number] => {
  const [base = 'X', rest = 'USDT:USDT'] = symbol.split('/');
  return {
    venue: VENUE,
    venueSymbol: symbol.replace(/[/:]/g, ''),
    symbol,
    kind: 'perpetual',
    base,
    quote: rest.split(':')[0] ?? 'USDT',
    settle: 'USDT',
    tickSize: '0.01',
    lotSize: r.lotSize ?? '0.001',
    minQty: r.minQty ?? r.lotSize ?? '0.001',
    minNotional: '5',
    contractSize: r.contractSize ?? '1',
    settlement: null,
    expiry: null,
    makerFee: '0.0002',
    takerFee: '0.0005',
  };
};

/** BTC in 0.001, ETH in 0.01, at VENUE, for the given accounts. */
export const listed = (
  accountIds: readonly string[],
  instruments = [rules(BTC), rules(ETH, { lotSize: '0.01' })],
): EventData<'InstrumentsListed'> => ({ venue: VENUE, accountIds: [...accountIds], instruments });

export const equity = (
  accountId: string,
  value: number | string,
  asOf: number,
): EventData<'AccountEquityUpdated'> => ({
  accountId,
  currency: 'USDT',
  equity: String(value),
  asOf: iso(asOf),
  unrealizedPnl: null,
  collateral: null,
  unpriced: [],
  stale: null,
  haircuts: [],
});

/** A quote with its mid at `mid` (bid = ask: the fold reads the mid only). */
export const quote = (
  instrument: string,
  mid: number,
  at: number,
  venue = VENUE,
): EventData<'QuoteUpdated'> => ({
  venue,
  instrument,
  bidPrice: String(mid),
  bidQty: '1',
  askPrice: String(mid),
  askQty: '1',
  venueAt: iso(at),
});

export interface PredictionSpec {
  readonly modelId: string;
  readonly instrument: string;
  readonly value: number;
  readonly generatedAt: number;
  readonly kind?: 'signal' | 'weight';
  readonly confidence?: number | null;
  readonly ttlSec?: number | null;
  /** When prediction-ingest received it (default: when generated); marks a CME root's arrival. */
  readonly receivedAt?: number;
}

/** A v5 prediction; a `CME:<ROOT>` one carries the market marking @keel/calendar gives it. */
export const prediction = (p: PredictionSpec): EventData<'PredictionReceived'> => {
  const marking = markArrival(p.instrument, p.receivedAt ?? p.generatedAt);
  if (E.isLeft(marking)) throw new Error(`no marking: ${JSON.stringify(marking.left)}`);
  return {
    predictionId: `${p.modelId}-${p.generatedAt}`,
    modelId: p.modelId,
    instrument: p.instrument,
    kind: p.kind ?? 'signal',
    value: p.value,
    confidence: p.confidence ?? null,
    horizonSec: p.ttlSec ?? null,
    generatedAt: iso(p.generatedAt),
    ttlSec: p.ttlSec ?? null,
    market: marking.right,
  };
};

export const mapped = (root: string, contract: string, effectiveAt: number): EventData<'ContractMapped'> => ({
  root,
  instrument: `CME:${root}`,
  contract,
  effectiveAt: iso(effectiveAt),
});

/** A kill switch payload: global when `accountId` is null. */
export const killSwitch = (accountId: string | null, reason = 'spec'): EventData<'KillSwitchEngaged'> => ({
  scope: accountId === null ? 'global' : 'account',
  accountId,
  reason,
});

/**
 * Quotes, one a minute from `from`, whose one-minute log returns alternate ±r with r chosen so
 * the annualised volatility is `annualVol` (the EWMA of a constant r² is r²). An even count
 * ends on `mid`. Returns the time of the last quote.
 */
export const volSeries = (
  tape: Tape,
  instrument: string,
  mid: number,
  annualVol: number,
  from: number,
  quotes = 13,
  venue = VENUE,
  everyMs = VOL_BUCKET_MS,
): number => {
  const r = annualVol / Math.sqrt(bucketsPerYear(instrument) / (everyMs / VOL_BUCKET_MS));
  let at = from;
  for (let k = 0; k < quotes; k++) {
    at = from + k * everyMs;
    tape.add('QuoteUpdated', quote(instrument, k % 2 === 0 ? mid : mid * Math.exp(r), at, venue), at);
  }
  return at;
};

/** The decisions of one type, narrowed. */
export const ofType = <K extends Decision['type']>(
  decisions: readonly Decision[],
  type: K,
): Extract<Decision, { type: K }>[] =>
  decisions.filter((d): d is Extract<Decision, { type: K }> => d.type === type);

/** account → instrument → target quantity, from TargetPositionSet decisions. */
export const targetsOf = (decisions: readonly Decision[]): Record<string, Record<string, string>> => {
  const out: Record<string, Record<string, string>> = {};
  for (const d of ofType(decisions, 'TargetPositionSet'))
    out[d.data.accountId] = { ...(out[d.data.accountId] ?? {}), [d.data.instrument]: d.data.targetQty };
  return out;
};
