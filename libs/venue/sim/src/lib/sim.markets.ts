/**
 * What a simulated venue replays, as settings can say it (JSON: decimals as strings): one
 * entry per listed instrument, with its recorded data and the shift that puts that data on the
 * session's clock. `keel demo` builds these for its gateways; the gateway's `simMarkets`
 * setting reads them (apps/gateway/src/sim.venue.ts).
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { Static, Type } from '@sinclair/typebox';
import { Clock } from '@keel/clock';
import { Instrument } from '@keel/venue-domain';
import { LEGACY_FILL_MODEL } from './sim.fill-model';
import { createSimulatedVenue, SimulatedVenue } from './simulated.venue';
import { barEvents, readBars } from './bars';
import { loadMarket, MarketDataError } from './csv.readers';
import { MarketEvent } from './market.events';

/** An instrument as JSON: every decimal a string (see `Instrument` in @keel/instruments). */
export interface InstrumentJson {
  readonly venue: string;
  readonly venueSymbol: string;
  readonly symbol: string;
  readonly kind: 'spot' | 'perpetual' | 'future';
  readonly base: string;
  readonly quote: string;
  readonly settle: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly minQty: string;
  readonly minNotional: string;
  readonly contractSize: string;
  readonly settlement: 'cash' | 'physical' | null;
  readonly expiry: string | null;
  readonly makerFee: string;
  readonly takerFee: string;
}

/** Recorded data of one instrument. */
export type SimMarketSource =
  /** Trade prints, top-of-book quotes and/or L2 book updates (the README's trades / bbo / depthdiff layouts). */
  | { readonly kind: 'ticks'; readonly trades?: string; readonly quotes?: string; readonly depth?: string }
  /**
   * 1-minute bars replayed as a synthetic path (open → low/high → close, one-tick spread; see
   * `barEvents`). `contract` picks one expiry of a multi-contract file (AlgoSeek ES, GC).
   */
  | {
      readonly kind: 'bars';
      readonly file: string;
      readonly contract?: string;
      /**
       * What the file's volume counts: `contracts` (CME; the default) or `base` units (the
       * crypto files), turned into contracts by the instrument's contract size (OKX swaps).
       */
      readonly volume?: 'base' | 'contracts';
    };

export interface SimMarketSpec {
  readonly instrument: InstrumentJson;
  readonly source: SimMarketSource;
  /** Added to every recorded timestamp (ms) to put the data on the session's clock. */
  readonly shiftMs: number;
  /** Replay only data at or after this session-clock instant (ms); default: all. */
  readonly from?: number;
  /** Replay only data before this session-clock instant (ms); default: all. */
  readonly until?: number;
}

const DECIMAL = '^-?\\d+(\\.\\d+)?$';
const dec = () => Type.String({ pattern: DECIMAL });
/**
 * `SimMarketSpec` as a settings schema (the gateway's `simMarkets`), so a bad entry is named by
 * its path. The type check below keeps the two the same.
 */
export const SimMarketSchema = Type.Object(
  {
    instrument: Type.Object({
      venue: Type.String({ minLength: 1 }),
      venueSymbol: Type.String({ minLength: 1 }),
      symbol: Type.String({ minLength: 1 }),
      kind: Type.Union([Type.Literal('spot'), Type.Literal('perpetual'), Type.Literal('future')]),
      base: Type.String({ minLength: 1 }),
      quote: Type.String({ minLength: 1 }),
      settle: Type.String({ minLength: 1 }),
      tickSize: dec(),
      lotSize: dec(),
      minQty: dec(),
      minNotional: dec(),
      contractSize: dec(),
      settlement: Type.Union([Type.Literal('cash'), Type.Literal('physical'), Type.Null()]),
      expiry: Type.Union([Type.String(), Type.Null()]),
      makerFee: dec(),
      takerFee: dec(),
    }),
    source: Type.Union([
      Type.Object({
        kind: Type.Literal('ticks'),
        trades: Type.Optional(Type.String({ minLength: 1 })),
        quotes: Type.Optional(Type.String({ minLength: 1 })),
        depth: Type.Optional(Type.String({ minLength: 1 })),
      }),
      Type.Object({
        kind: Type.Literal('bars'),
        file: Type.String({ minLength: 1 }),
        contract: Type.Optional(Type.String({ minLength: 1 })),
        volume: Type.Optional(Type.Union([Type.Literal('base'), Type.Literal('contracts')])),
      }),
    ]),
    shiftMs: Type.Integer(),
    from: Type.Optional(Type.Integer()),
    until: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

// The same shape: each assignable to the other, and the same fields (optional ones included) at
// every level, so a field added to one and not the other fails to compile here.
type Assignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Keys<T> = T extends unknown ? keyof T : never;
type Spec = SimMarketSpec;
type Schema = Static<typeof SimMarketSchema>;
const schemaIsSpec: [
  Assignable<Schema, Spec>,
  Assignable<Keys<Schema>, Keys<Spec>>,
  Assignable<Keys<Schema['instrument']>, Keys<Spec['instrument']>>,
  Assignable<Keys<Schema['source']>, Keys<Spec['source']>>,
] = [true, true, true, true];
void schemaIsSpec;

/** The instrument of an `InstrumentJson`; a decimal that does not parse names its field. */
export const instrumentOf = (j: InstrumentJson): E.Either<MarketDataError, Instrument> => {
  const decimals = [
    'tickSize',
    'lotSize',
    'minQty',
    'minNotional',
    'contractSize',
    'makerFee',
    'takerFee',
  ] as const;
  const out: Record<string, unknown> = { ...j };
  for (const k of decimals) {
    const v = j[k];
    if (typeof v !== 'string' || !/^-?\d+(\.\d+)?$/.test(v))
      return E.left({
        _tag: 'MarketDataError',
        file: `instrument ${j.symbol}`,
        line: 0,
        field: k,
        value: String(v),
        message: `instrument ${j.symbol}: ${k}=${String(v)} is not a decimal`,
      });
    out[k] = new Decimal(v);
  }
  return E.right(out as unknown as Instrument);
};

/** An instrument as JSON (the inverse of `instrumentOf`). */
export const instrumentJson = (i: Instrument): InstrumentJson => ({
  ...i,
  tickSize: i.tickSize.toString(),
  lotSize: i.lotSize.toString(),
  minQty: i.minQty.toString(),
  minNotional: i.minNotional.toString(),
  contractSize: i.contractSize.toString(),
  makerFee: i.makerFee.toString(),
  takerFee: i.takerFee.toString(),
});

const shifted = (e: MarketEvent, by: number): MarketEvent => ({ ...e, venueAt: e.venueAt + by });

/**
 * The market events of one spec on the session's clock: its data read, bars made into events,
 * every timestamp moved by `shiftMs`, and only what falls in [from, until) kept.
 */
export const loadSimMarket = async (
  spec: SimMarketSpec,
): Promise<
  E.Either<MarketDataError, { readonly instrument: Instrument; readonly events: MarketEvent[] }>
> => {
  const instrument = instrumentOf(spec.instrument);
  if (E.isLeft(instrument)) return instrument;
  const i = instrument.right;
  const fromData = spec.from === undefined ? undefined : spec.from - spec.shiftMs;
  const untilData = spec.until === undefined ? undefined : spec.until - spec.shiftMs;
  let events: MarketEvent[];
  if (spec.source.kind === 'bars') {
    const bars = await readBars(spec.source.file, {
      ...(spec.source.contract === undefined ? {} : { contract: spec.source.contract }),
      ...(fromData === undefined ? {} : { from: fromData }),
      ...(untilData === undefined ? {} : { until: untilData }),
    });
    if (E.isLeft(bars)) return bars;
    const perContract = spec.source.volume === 'base' ? i.contractSize : new Decimal(1);
    const inContracts = perContract.eq(1)
      ? bars.right
      : bars.right.map((b) => ({ ...b, volume: new Decimal(b.volume).div(perContract).toNumber() }));
    events = barEvents(inContracts, i.tickSize, 60_000, i.lotSize);
  } else {
    const loaded = await loadMarket({
      ...(spec.source.trades ? { trades: spec.source.trades } : {}),
      ...(spec.source.quotes ? { quotes: spec.source.quotes } : {}),
      ...(spec.source.depth ? { depth: spec.source.depth } : {}),
    });
    if (E.isLeft(loaded)) return loaded;
    events = loaded.right.filter(
      (e) =>
        (fromData === undefined || e.venueAt >= fromData) &&
        (untilData === undefined || e.venueAt < untilData),
    );
  }
  return E.right({
    instrument: i,
    events: spec.shiftMs === 0 ? events : events.map((e) => shifted(e, spec.shiftMs)),
  });
};

/** Initial balances as settings write them: `USDT=1000000,USD=250000`; a bad entry names itself. */
export const parseBalances = (text: string): E.Either<string, Readonly<Record<string, string>>> => {
  const out: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^([A-Z0-9]{2,12})=(\d+(\.\d+)?)$/.exec(part);
    if (!m) return E.left(`${JSON.stringify(part)} is not ASSET=amount (e.g. USDT=1000000)`);
    out[m[1] as string] = m[2] as string;
  }
  return E.right(out);
};

/** Markets loaded once per gateway, shared by every account's simulator (each replays them on its own). */
export type LoadedMarkets = readonly {
  readonly instrument: Instrument;
  readonly events: readonly MarketEvent[];
}[];

export const loadSimMarkets = async (
  specs: readonly SimMarketSpec[],
): Promise<E.Either<string, LoadedMarkets>> => {
  const out: { instrument: Instrument; events: readonly MarketEvent[] }[] = [];
  for (const spec of specs) {
    const m = await loadSimMarket(spec);
    if (E.isLeft(m)) return E.left(`sim market ${spec.instrument.symbol}: ${m.left.message}`);
    out.push(m.right);
  }
  return E.right(out);
};

/** A simulator replaying markets already on the session's clock (`simMarkets`): no shift of its own. */
export const startSimVenueOn = (o: {
  readonly venue: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly markets: LoadedMarkets;
  readonly balances: Readonly<Record<string, string>>;
  readonly latencyMs?: number;
}): SimulatedVenue =>
  createSimulatedVenue({
    venue: o.venue,
    accountId: o.accountId,
    clock: o.clock,
    markets: o.markets.map((m) => ({ instrument: m.instrument, events: m.events })),
    balances: o.balances,
    latencyMs: o.latencyMs ?? 20,
    timeOffsetMs: 0,
    // The paper session's venue keeps the pre-issue-18 fill model for now: with the strict
    // defaults keel soak's bars give almost no passive fills, every target is left to the final
    // sweep, and at 960x with late-applied orders that cannot finish by the deadline (see the
    // README). twap-sim, twap-eval and the simulator's own specs use the strict rules.
    fillModel: LEGACY_FILL_MODEL,
  });
