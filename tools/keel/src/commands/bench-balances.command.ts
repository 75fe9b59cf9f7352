/**
 * `keel bench balances [--accounts 200] [--assets 20] [--venues 3] [--positions 5] [--runs 30]
 * [--ticks 5000] [--seed 1] [--json]`: what valuing accounts costs (@keel/balances-domain) on a
 * synthetic world: each account holds `assets` wallet balances and `positions` linear perpetual
 * positions at one of `venues` venues; every asset is quoted in the reporting currency at every
 * venue.
 * - `valuationPassMs`: one full revaluation of every account at live marks (`valueAccount`) after a
 *   price tick (one mark moved), the pass a tick costs if it touched every account. Goal ≤ 5 ms
 *   for 200 × 20. `coldPassMs`: the same with nothing valued before (after a restart).
 * - `eventsPerSec`: quotes (one in 100 an account snapshot) folded by `evolveBalances`, each
 *   revaluing the accounts it touches and deciding what to record — what the engine does live.
 * - Baseline, same run: the same full pass in binary floating point (`floatPassMs`), i.e. what
 *   exactness costs on this machine; the ratio is the figure to compare across machines.
 */
import * as os from 'node:os';
import { deriveId, EventData, newEvent, RecordedEvent } from '@keel/events';
import {
  BalancesSettings,
  BalancesState,
  DEFAULT_BALANCES_CONFIG,
  evolveBalances,
  initialBalances,
  SnapshotBook,
  valueAccount,
} from '@keel/balances-domain';
import { mulberry32 } from '@keel/venue-sim';
import { intFlag, parseFlags } from '../cli.io';
import type { Command, OptionSpecs } from './command';
import { msSince, nowNs, quantile, r2, timeRuns } from './bench.timing';

const GOAL_PASS_MS = 5;
const TIERED = {
  tiers: [
    { upTo: '100000', rate: '0.98' },
    { upTo: null, rate: '0.9' },
  ],
  version: 'bench@1',
};
const T0 = Date.parse('2026-03-02T00:00:00.000Z');

const recorded = <T extends 'QuoteUpdated' | 'AccountSnapshotReported'>(
  type: T,
  data: EventData<T>,
  position: number,
  at: number,
): RecordedEvent => {
  const made = newEvent(type, deriveId('keel-bench-balances', position), data, {
    correlationId: 'bench',
    causationId: null,
    producer: 'gateway',
    occurredAt: new Date(at).toISOString(),
  });
  if (made._tag === 'Left')
    throw new Error(`bench balances: ${type} breaks the catalog: ${made.left.message}`);
  return {
    ...made.right,
    stream: 'bench',
    streamRevision: 0,
    globalPosition: position,
    recordedAt: new Date(at).toISOString(),
  } as RecordedEvent;
};

const OPTIONS = {
  accounts: { type: 'string', valueName: 'n', description: 'accounts', defaultText: '200' },
  assets: { type: 'string', valueName: 'n', description: 'wallet assets per account', defaultText: '20' },
  venues: { type: 'string', valueName: 'n', description: 'venues', defaultText: '3' },
  positions: {
    type: 'string',
    valueName: 'n',
    description: 'perpetual positions per account (0 allowed)',
    defaultText: '5',
  },
  runs: { type: 'string', valueName: 'n', description: 'timed valuation passes', defaultText: '30' },
  ticks: {
    type: 'string',
    valueName: 'n',
    description: 'events folded for eventsPerSec',
    defaultText: '5000',
  },
  seed: { type: 'string', valueName: 'n', description: 'random seed of the world', defaultText: '1' },
} as const satisfies OptionSpecs;

export const benchBalancesCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const accounts = intFlag('accounts', flags.accounts, 200);
    const assets = intFlag('assets', flags.assets, 20);
    const venues = intFlag('venues', flags.venues, 3);
    const positions = intFlag('positions', flags.positions, 5, 0);
    const runs = intFlag('runs', flags.runs, 30);
    const ticks = intFlag('ticks', flags.ticks, 5000);
    const seed = intFlag('seed', flags.seed, 1, 0);
    const random = mulberry32(seed);
    const R = DEFAULT_BALANCES_CONFIG.reportingCurrency;
    const settings: BalancesSettings = {
      config: DEFAULT_BALANCES_CONFIG,
      // A tiered haircut's cost (two slices of the value), found as haircutFrom finds it: once per table version.
      haircut: () => TIERED,
    };
    io.progress(
      `bench balances: ${accounts} accounts × ${assets} assets and ${positions} positions at ${venues} venue(s), seed ${seed}`,
    );

    // The world: asset k > 0 is quoted `Ak/USDT` (spot) and `Ak/USDT:USDT` (perpetual) at every venue.
    const names = Array.from({ length: assets }, (_, k) => (k === 0 ? R : `A${k}`));
    const venueNames = Array.from({ length: venues }, (_, v) => `venue${v}`);
    const price = names.map((_, k) => (k === 0 ? 1 : Math.round((1 + random() * 999) * 100) / 100));
    let position = 0;
    let at = T0;
    let state: BalancesState = initialBalances;
    const quoteOf = (venue: string, k: number, p: number): RecordedEvent =>
      recorded(
        'QuoteUpdated',
        {
          venue,
          instrument: `${names[k]}/${R}${k % 2 === 0 ? '' : `:${R}`}`,
          bidPrice: (p * 0.9999).toFixed(4),
          askPrice: (p * 1.0001).toFixed(4),
          bidQty: '1',
          askQty: '1',
          venueAt: new Date(at).toISOString(),
        },
        ++position,
        at,
      );
    for (const venue of venueNames)
      for (let k = 1; k < assets; k++) state = evolveBalances(state, quoteOf(venue, k, price[k]!), settings);
    const snapshotOf = (a: number): RecordedEvent => {
      const held = names.map((asset) => ({
        asset,
        total: (random() * 1000).toFixed(6),
        locked: '0',
        free: '0',
      }));
      return recorded(
        'AccountSnapshotReported',
        {
          accountId: `acc-${a}`,
          venue: venueNames[a % venues]!,
          model: 'sim',
          currency: R,
          venueAt: new Date(at).toISOString(),
          receivedAt: new Date(at).toISOString(),
          latencyMs: 10,
          balances: held.map((b) => ({ ...b, free: b.total })),
          positions: Array.from({ length: Math.min(positions, assets - 1) }, (_, j) => {
            const k = 1 + ((a + j) % (assets - 1));
            return {
              instrument: `${names[k]}/${R}${k % 2 === 0 ? '' : `:${R}`}`,
              venueSymbol: `${names[k]}${R}`,
              qty: ((random() - 0.5) * 20).toFixed(3),
              entryPrice: (price[k]! * (0.95 + random() * 0.1)).toFixed(4),
              markPrice: null,
              unrealizedPnl: '0',
              settle: R,
              marginMode: 'cross' as const,
              initialMargin: null,
              maintenanceMargin: null,
              liquidationPrice: null,
            };
          }),
          equity: '0',
          unrealizedPnl: '0',
          initialMargin: '0',
          maintenanceMargin: '0',
          marginRatio: null,
          collateralValue: '0',
          freeCollateral: '0',
          cash: '0',
          buyingPower: '0',
          raw: {},
        },
        ++position,
        at,
      );
    };
    for (let a = 0; a < accounts; a++) state = evolveBalances(state, snapshotOf(a), settings);
    const books = Object.entries(state.accounts).flatMap(([id, e]) =>
      e.book === null ? [] : [{ id, book: e.book }],
    );

    // The full pass, exact: every account valued against the marks as they stand.
    let sink = 0n;
    const valuation = {
      reportingCurrency: R,
      fixedRates: {},
      teamRatios: {},
      haircut: settings.haircut,
    };
    const fullPass = (list: typeof books, prices: BalancesState): void => {
      for (const { book } of list) sink += valueAccount(book, prices, valuation, at).equity.v;
    };
    // On a price tick: one mark moved (untimed), then every account revalued (timed). The entries
    // the tick does not touch keep their figures; the ones it does are recomputed.
    io.progress(`bench balances: timing the full pass on a tick (${runs} runs after 5 warm-up)`);
    let prices = state;
    const passTimes: number[] = [];
    for (let k = 0; k < runs + 5; k++) {
      const venue = venueNames[Math.floor(random() * venues)]!;
      const j = 1 + Math.floor(random() * (assets - 1));
      price[j] = price[j]! * (1 + (random() - 0.5) * 0.002);
      const instrument = `${names[j]}/${R}${j % 2 === 0 ? '' : `:${R}`}`;
      prices = {
        ...prices,
        marks: {
          ...prices.marks,
          [venue]: { ...prices.marks[venue], [instrument]: { mid: price[j]!.toFixed(4), at } },
        },
      };
      const t = nowNs();
      fullPass(books, prices);
      if (k >= 5) passTimes.push(msSince(t));
    }
    // Cold: nothing valued before (as after a restart): every entry computed.
    const coldTimes = timeRuns(0, Math.max(5, Math.floor(runs / 3)), () =>
      fullPass(
        books.map(({ id, book }) => ({
          id,
          book: {
            ...book,
            balances: book.balances.map((b) => ({ ...b })),
            positions: book.positions.map((p) => ({ ...p })),
          },
        })),
        prices,
      ),
    );
    const one = valueAccount(
      books[0]!.book,
      state,
      { reportingCurrency: R, fixedRates: {}, teamRatios: {}, haircut: settings.haircut },
      at,
    );

    // Baseline: the same pass in floats (prices looked up the same way, by venue and symbol).
    const mids = new Map<string, number>();
    for (const [venue, m] of Object.entries(state.marks))
      for (const [i, mark] of Object.entries(m)) mids.set(`${venue}|${i}`, Number(mark.mid));
    const floatBooks = books.map(({ book }) => ({
      venue: book.venue,
      balances: book.balances.map((b) => ({ asset: b.asset, total: Number(b.total) })),
      positions: book.positions.map((p: SnapshotBook['positions'][number]) => ({
        instrument: p.instrument ?? '',
        qty: Number(p.qty),
        entry: Number(p.entryPrice),
      })),
    }));
    let fsink = 0;
    const floatPass = (): void => {
      for (const b of floatBooks) {
        let eq = 0;
        for (const x of b.balances) {
          const rate =
            x.asset === R
              ? 1
              : (mids.get(`${b.venue}|${x.asset}/${R}`) ??
                mids.get(`${b.venue}|${x.asset}/${R}:${R}`) ??
                NaN);
          const v = x.total * rate;
          eq += v > 100_000 ? 98_000 + (v - 100_000) * 0.9 : v * 0.98;
        }
        for (const p of b.positions) eq += p.qty * ((mids.get(`${b.venue}|${p.instrument}`) ?? 0) - p.entry);
        fsink += eq;
      }
    };
    const floatTimes = timeRuns(5, runs, floatPass);

    // Events folded per second: quotes at random venues and assets, one in 100 a new snapshot.
    const tape: RecordedEvent[] = [];
    for (let k = 0; k < ticks; k++) {
      at += 50;
      if (k % 100 === 99) tape.push(snapshotOf(Math.floor(random() * accounts)));
      else {
        const j = 1 + Math.floor(random() * (assets - 1));
        price[j] = price[j]! * (1 + (random() - 0.5) * 0.002);
        tape.push(quoteOf(venueNames[Math.floor(random() * venues)]!, j, price[j]!));
      }
    }
    io.progress(`bench balances: folding ${tape.length} events`);
    let recordedEvents = 0;
    const t0 = nowNs();
    let s = state;
    for (const e of tape) {
      s = evolveBalances(s, e, settings);
      recordedEvents += s.out.length;
    }
    const foldMs = msSince(t0);

    const valuationPassMs = r2(quantile(passTimes, 0.5));
    const floatPassMs = Math.round(quantile(floatTimes, 0.5) * 1000) / 1000;
    const result = {
      benchmark: 'balances',
      accounts,
      assets,
      venues,
      positionsPerAccount: Math.min(positions, assets - 1),
      seed,
      valuationPassMs,
      valuationPassP90Ms: r2(quantile(passTimes, 0.9)),
      /** The same pass with nothing valued before (after a restart): every balance and position computed. */
      coldPassMs: r2(quantile(coldTimes, 0.5)),
      perAccountUs: Math.round((valuationPassMs * 1000) / accounts),
      eventsPerSec: Math.round(tape.length / (foldMs / 1000)),
      eventsFolded: tape.length,
      recordedPerEvent: r2(recordedEvents / tape.length),
      baseline: {
        floatPassMs,
        exactVsFloat: r2(valuationPassMs / floatPassMs),
      },
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        node: process.version,
        loadavg: os.loadavg().map((l) => r2(l)),
      },
      goal: { valuationPassMs: GOAL_PASS_MS, met: valuationPassMs <= GOAL_PASS_MS },
      checksum: sink !== 0n && Number.isFinite(fsink) && one.unpriced.length === 0,
    };
    io.result(result, () =>
      [
        `${accounts} accounts × ${assets} assets, ${result.positionsPerAccount} positions each, ${venues} venues (seed ${seed}); load ${result.machine.loadavg.join(' ')}`,
        `full revaluation on a tick: ${result.valuationPassMs} ms median, p90 ${result.valuationPassP90Ms} ms (${result.perAccountUs} µs an account) — goal ≤ ${GOAL_PASS_MS} ms ${result.goal.met ? 'met' : 'NOT met'}; cold (nothing valued before): ${result.coldPassMs} ms`,
        `folded: ${result.eventsPerSec} events/s (${result.recordedPerEvent} events recorded per event)`,
        `baseline, the same pass in floats: ${result.baseline.floatPassMs} ms (exact costs ${result.baseline.exactVsFloat}×)`,
      ].join('\n'),
    );
    return 0;
  },
};
