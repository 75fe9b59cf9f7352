/**
 * The synthetic world `keel bench optimizer` decides on, deterministic from a seed: the
 * optimizer's configuration document and the recorded events it folds (real envelopes: ids by
 * `deriveId`, payloads checked by `newEvent`).
 *
 * - `symbols` USDT perpetuals (`S0001/USDT:USDT`, …) listed at `venues` venues (InstrumentsListed,
 *   contract size 1, a lot worth a few dollars, the lot as minimum), prices from 0.001 to 60,000
 *   with 30–150 % annual volatility: one quote a minute per (venue, symbol) for `QUOTE_MINUTES`
 *   minutes (28 closed one-minute returns, past the 10 the volatility estimate needs), the last
 *   one less than 20 s before `now`;
 * - `models` models, each with one live signal per symbol (a per-symbol view plus the model's
 *   noise, in [-1, 1]; a confidence, null for every fourth model; ttl 5–60 min by model; decay
 *   linear, half-life or none by model);
 * - `strategies` strategies mixing 1–3 models (every third risk parity, every third vol
 *   targeting, some both);
 * - `accounts` accounts (round-robin over the venues) following 1–3 strategies with budgets
 *   adding up to 0.6–1, leverage 1–3, a gross cap (always: 500 full signals are 500 × equity)
 *   and for half a net cap, a daily loss limit and max drawdown, drawdown scaling for a quarter;
 *   two equity updates (30 min ago, then less than 2 min ago) so peaks, drawdowns and the day's
 *   start are real. Each trades every symbol, or `symbolsPerAccount` consecutive ones from an
 *   offset of its own.
 */
import * as E from 'fp-ts/Either';
import { deriveId, EventData, EventType, newEvent, RecordedEvent } from '@keel/events';
import { OptimizerConfigText } from '@keel/portfolio-domain';
import { mulberry32 } from '@keel/venue-sim';

export interface WorldOptions {
  readonly seed: number;
  readonly symbols: number;
  readonly accounts: number;
  readonly models: number;
  readonly strategies: number;
  readonly venues: number;
  /** null: every account trades every symbol. */
  readonly symbolsPerAccount: number | null;
}

export interface World {
  readonly now: number;
  readonly doc: OptimizerConfigText;
  readonly events: readonly RecordedEvent[];
  readonly symbols: readonly string[];
  readonly modelIds: readonly string[];
  /** Recorded envelopes for more events (new predictions, the optimizer's decisions). */
  readonly record: <T extends EventType>(
    type: T,
    stream: string,
    data: EventData<T>,
    eventId?: string,
  ) => RecordedEvent;
  readonly random: () => number;
}

/** A Friday noon (UTC): every prediction, quote and equity in the world is fresh at this instant. */
export const BENCH_NOW = Date.parse('2026-12-04T12:00:00.000Z');
export const QUOTE_MINUTES = 30;
const TTL_SEC = [300, 900, 1800, 3600, 600, 1200];

/** 10^e as an exact decimal string: `0.001`, `1`, `100`. */
const pow10 = (e: number): string => (e >= 0 ? `1${'0'.repeat(e)}` : `0.${'0'.repeat(-e - 1)}1`);
const iso = (ms: number): string => new Date(ms).toISOString();
const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

export const buildWorld = (o: WorldOptions): World => {
  const rnd = mulberry32(o.seed);
  const uniform = (a: number, b: number): number => a + (b - a) * rnd();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const now = BENCH_NOW;

  let position = 0;
  const revisions = new Map<string, number>();
  const record = <T extends EventType>(
    type: T,
    stream: string,
    data: EventData<T>,
    eventId = deriveId('keel-bench-optimizer', o.seed, position + 1),
  ): RecordedEvent => {
    const at = iso(now);
    const e = newEvent(type, eventId, data, {
      correlationId: eventId,
      causationId: null,
      producer: 'keel-bench',
      occurredAt: at,
    });
    if (E.isLeft(e)) throw new Error(`bench optimizer: a ${type} does not validate: ${e.left.message}`);
    const revision = revisions.get(stream) ?? 0;
    revisions.set(stream, revision + 1);
    return {
      ...e.right,
      stream,
      streamRevision: revision,
      globalPosition: ++position,
      recordedAt: at,
    } as RecordedEvent;
  };

  const width = Math.max(4, String(o.symbols).length);
  const symbols = Array.from(
    { length: o.symbols },
    (_, k) => `S${String(k + 1).padStart(width, '0')}/USDT:USDT`,
  );
  const venues = Array.from({ length: o.venues }, (_, k) => `venue${k + 1}`);
  const accountIds = Array.from(
    { length: o.accounts },
    (_, k) => `acc-${String(k + 1).padStart(Math.max(3, String(o.accounts).length), '0')}`,
  );
  const modelIds = Array.from({ length: o.models }, (_, k) => `model-${k + 1}`);
  const events: RecordedEvent[] = [];

  // Instruments: a price, a volatility, a tick of ~1e-4 of the price, a lot worth ~$1–10.
  const markets = symbols.map((symbol) => {
    const p0 = 10 ** uniform(-3, 4.8);
    const e = Math.floor(Math.log10(p0));
    return {
      symbol,
      p0,
      vol: uniform(0.3, 1.5),
      decimals: Math.min(8, Math.max(0, 4 - e)),
      lotExp: Math.floor(Math.log10(5 / p0)),
    };
  });
  for (const [v, venue] of venues.entries())
    events.push(
      record('InstrumentsListed', `venue-${venue}`, {
        venue,
        accountIds: accountIds.filter((_, k) => k % o.venues === v),
        instruments: markets.map((m, s) => {
          // The other venues list every other symbol in lots ten times larger.
          const lot = pow10(m.lotExp + (v > 0 && s % 2 === 1 ? 1 : 0));
          return {
            venue,
            venueSymbol: m.symbol.replace('/USDT:USDT', 'USDT'),
            symbol: m.symbol,
            kind: 'perpetual' as const,
            base: m.symbol.slice(0, m.symbol.indexOf('/')),
            quote: 'USDT',
            settle: 'USDT',
            tickSize: pow10(-m.decimals),
            lotSize: lot,
            minQty: lot,
            minNotional: '5',
            contractSize: '1',
            settlement: null,
            expiry: null,
            makerFee: '0.0002',
            takerFee: '0.0005',
          };
        }),
      }),
    );

  // Quotes: a random walk per symbol at each venue's small basis, one quote a minute.
  const mids = markets.map((m) => m.p0);
  const basis = venues.map(() => markets.map(() => uniform(-5e-4, 5e-4)));
  for (let k = 0; k < QUOTE_MINUTES; k++) {
    const minuteEnd = now - (QUOTE_MINUTES - 1 - k) * 60_000;
    for (const [s, m] of markets.entries()) {
      const mid = (mids[s] as number) * Math.exp((m.vol / Math.sqrt(525_600)) * normal());
      mids[s] = mid;
      for (const [v, venue] of venues.entries()) {
        const tick = 10 ** -m.decimals;
        const vm = mid * (1 + (basis[v]?.[s] ?? 0));
        const bid = Math.max(tick, Math.floor(vm / tick) * tick);
        const ask = bid + tick * (1 + Math.floor(rnd() * 3));
        events.push(
          record('QuoteUpdated', `market-${venue}-${m.symbol}`, {
            venue,
            instrument: m.symbol,
            bidPrice: bid.toFixed(m.decimals),
            bidQty: String(1 + Math.floor(rnd() * 500)),
            askPrice: ask.toFixed(m.decimals),
            askQty: String(1 + Math.floor(rnd() * 500)),
            // Within the minute before `minuteEnd`: one bucket each, the last < 20 s before now.
            venueAt: iso(minuteEnd - 1_000 - Math.floor(rnd() * 19_000)),
          }),
        );
      }
    }
  }

  // Strategies: model k is in strategy k (mod), plus up to two more, weights 0.5–2.
  const strategyNames = Array.from({ length: o.strategies }, (_, k) => `strat-${k + 1}`);
  const strategies: OptimizerConfigText['strategies'] = {};
  for (const [k, name] of strategyNames.entries()) {
    const models: Record<string, number> = { [modelIds[k % o.models] as string]: round(uniform(0.5, 2), 2) };
    const extra = Math.floor(rnd() * Math.min(3, o.models));
    for (let j = 0; j < extra; j++) models[pick(modelIds)] = round(uniform(0.5, 2), 2);
    strategies[name] = {
      models,
      method: k % 3 === 1 ? 'riskParity' : 'signal',
      volTarget: k % 3 === 2 || k % 6 === 4 ? round(uniform(0.25, 0.5), 2) : null,
    };
  }
  // Every model configured below must be used by a strategy.
  for (const [k, m] of modelIds.entries()) {
    const used = Object.values(strategies).some((s) => m in s.models);
    if (!used)
      (strategies[strategyNames[k % o.strategies] as string] as { models: Record<string, number> }).models[
        m
      ] = 1;
  }

  const models: NonNullable<OptimizerConfigText['models']> = {};
  for (const [k, m] of modelIds.entries())
    models[m] = {
      decay:
        k % 3 === 0
          ? 'linear'
          : k % 3 === 1
            ? { halfLifeSec: (TTL_SEC[k % TTL_SEC.length] as number) / 2 }
            : 'none',
    };

  // Accounts.
  const spa = o.symbolsPerAccount === null ? null : Math.min(o.symbolsPerAccount, o.symbols);
  const accounts: OptimizerConfigText['accounts'] = {};
  for (const [k, id] of accountIds.entries()) {
    const n = 1 + Math.floor(rnd() * Math.min(3, o.strategies));
    const chosen = new Set<string>();
    while (chosen.size < n) chosen.add(pick(strategyNames));
    const raw = [...chosen].map(() => uniform(0.2, 1));
    const total = uniform(0.6, 1);
    const sum = raw.reduce((a, b) => a + b, 0);
    const budgets: Record<string, { budget: number }> = {};
    [...chosen].forEach(
      (s, j) => (budgets[s] = { budget: Math.floor(((raw[j] as number) / sum) * total * 100) / 100 }),
    );
    const offset = Math.floor(rnd() * o.symbols);
    accounts[id] = {
      strategies: budgets,
      ...(spa === null
        ? {}
        : {
            instruments: Array.from({ length: spa }, (_, j) => symbols[(offset + j) % o.symbols] as string),
          }),
      leverage: pick([1, 1.5, 2, 3]),
      maxGrossLeverage: pick([2, 3, 4]),
      ...(k % 2 === 0 ? { maxNetLeverage: pick([1, 1.5]) } : {}),
      dailyLossLimit: 0.05,
      maxDrawdown: 0.25,
      drawdownScaling: k % 4 === 3 ? { start: 0.03, full: 0.2, floor: 0.3 } : null,
    };
    // Equity: 20k–3M USDT now, 0.97–1.06 of that half an hour ago (the same UTC day).
    const equity = 10 ** uniform(4.3, 6.5);
    const before = equity * uniform(0.97, 1.06);
    for (const [value, at] of [
      [before, now - 30 * 60_000],
      [equity, now - Math.floor(rnd() * 120_000)],
    ] as const)
      events.push(
        record('AccountEquityUpdated', `balances-${id}`, {
          accountId: id,
          currency: 'USDT',
          equity: value.toFixed(2),
          asOf: iso(at),
          unrealizedPnl: null,
          collateral: null,
          unpriced: [],
          stale: null,
          haircuts: [],
        }),
      );
  }

  // Predictions: each model's view of each symbol, generated within the first half of its ttl.
  const views = symbols.map(() => normal() * 0.4);
  for (const [k, modelId] of modelIds.entries()) {
    const ttlSec = TTL_SEC[k % TTL_SEC.length] as number;
    for (const [s, instrument] of symbols.entries()) {
      const predictionId = deriveId('keel-bench-optimizer', o.seed, modelId, instrument);
      events.push(
        record('PredictionReceived', `prediction-${predictionId}`, {
          predictionId,
          modelId,
          instrument,
          kind: 'signal',
          value: round(Math.max(-1, Math.min(1, (views[s] as number) + normal() * 0.3)), 4),
          confidence: k % 4 === 3 ? null : round(uniform(0.3, 1), 2),
          horizonSec: ttlSec,
          generatedAt: iso(now - Math.floor(rnd() * ttlSec * 500)),
          ttlSec,
          market: null,
        }),
      );
    }
  }

  const instruments: OptimizerConfigText['instruments'] = {};
  for (const s of symbols) instruments[s] = { maxNotional: '250000' };
  const doc: OptimizerConfigText = { models, strategies, instruments, accounts };
  return { now, doc, events, symbols, modelIds, record, random: rnd };
};
