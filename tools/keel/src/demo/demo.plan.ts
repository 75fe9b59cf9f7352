/**
 * The paper session's plan (`keel demo`): which accounts on which simulated venues, which
 * recorded files each venue replays and the shift that puts each file on the session's clock,
 * and every app's settings, scaled to the session's speed.
 *
 * **One clock.** Every process runs the accelerated clock from the same origin
 * (`KEEL_CLOCK_START` at `KEEL_CLOCK_REAL_START`, `speed` virtual ms per wall ms), so a
 * restarted app reads the same instant as the others. The origin is the CME plan's start (the
 * CME calendar is real: a contract's roll and delivery dates are the calendar's), and the crypto
 * files, recorded in other years, are shifted onto it; the report names each file and shift.
 *
 * **Settings scale with speed.** Polling cycles, ticks and staleness limits are virtual times
 * in every app; the plan sets them from wall-time intents (a gateway cycle of ~250 ms of wall
 * time whatever the speed) so a faster session does not poll more often, nor read every quote
 * as stale.
 *
 * **Data must not run out.** Each crypto file covers the session from a warm-up offset (the
 * model's slow mean needs an hour of bars before the first prediction); a session longer than
 * what is left of a file is refused, naming --minutes and --speed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { instrumentJson, InstrumentJson, SimMarketSpec } from '@keel/venue-sim';
import { BINANCE_USDM_BTCUSDT } from '@keel/instruments';
import type { DemoDataFile } from './demo.record';

/**
 * The recorded market data: `KEEL_MARKET_DATA`, else the files committed in tools/keel/demo-data
 * (so a fresh clone trades anywhere; their README gives each file's provenance).
 */
export const defaultMarketDir = (root: string): string =>
  process.env['KEEL_MARKET_DATA'] ?? path.resolve(root, 'tools/keel/demo-data');

/** A recorded file the plan can use, under each name it may have (the committed slice, the full file), with its span. */
interface DataFile {
  readonly names: readonly string[];
  readonly start: number;
  /** The last instant each name's file covers, in the order of `names`. */
  readonly ends: readonly number[];
}

export const FILES = {
  btcQuotes: {
    names: ['binance-usdm-btcusdt-bbo1s-2026-01-01_2026-01-02.csv.gz'],
    start: Date.parse('2026-01-01T00:00:00Z'),
    ends: [Date.parse('2026-01-02T23:59:59Z')],
  },
  ethBars: {
    names: [
      'binance-usdm-ethusdt-1m-2024-01-01_2024-01-03.csv.gz',
      'binance-usdm-ethusdt-1m-2024-01-01_2024-02-15.csv.gz',
    ],
    start: Date.parse('2024-01-01T00:00:00Z'),
    ends: [Date.parse('2024-01-03T23:59:00Z'), Date.parse('2024-02-15T06:17:00Z')],
  },
  cmeBars: {
    names: [
      'cme-es-1m-tradebars-algoseek-2013-12-01_2013-12-20.csv.gz',
      'cme-es-1m-tradebars-algoseek-2013-10-06_2020-01-06.csv.gz',
    ],
    start: Date.parse('2013-12-01T00:00:00Z'),
    ends: [Date.parse('2013-12-20T23:59:00Z'), Date.parse('2020-01-06T23:59:00Z')],
  },
} as const satisfies Record<string, DataFile>;

/** The first of a file's names present in `dir` (its path and end), or the first name when none is (the load then says which file is missing). */
export const resolveDataFile = (
  dir: string,
  f: DataFile,
  exists: (p: string) => boolean = fs.existsSync,
): { readonly file: string; readonly end: number } => {
  const i = f.names.findIndex((n) => exists(path.join(dir, n)));
  const k = i < 0 ? 0 : i;
  return { file: path.join(dir, f.names[k] as string), end: f.ends[k] as number };
};
/** Wall-time intents the plan scales to the session's speed. */
export const WALL = { horizonMs: 12_000 } as const;

/** History the model reads before the session starts (its slow mean is 60 one-minute bars). */
export const WARM_UP_MS = 2 * 3_600_000;

export interface DemoVenue {
  /** Gateway instance (`gateway-<instance>`). */
  readonly instance: string;
  readonly venue: string;
  readonly accountId: string;
  readonly balances: string;
  readonly currency: string;
  readonly markets: readonly SimMarketSpec[];
}

/** What the CME part contributes (tools/keel/src/demo/cme.plan.ts builds it). */
export interface DemoCmePart {
  readonly clockStart: number;
  readonly root: string;
  readonly markets: readonly SimMarketSpec[];
  readonly rolloverEnv: Readonly<Record<string, string>>;
  readonly milestones: readonly { readonly at: number; readonly what: string }[];
  readonly data: readonly DemoDataFile[];
}

export interface DemoPlanOptions {
  readonly speed: number;
  readonly minutes: number;
  readonly marketDir: string;
  /** The session clock's origin when there is no CME part (epoch ms). */
  readonly clockStart: number;
  readonly cme?: DemoCmePart;
  readonly cmeVenue?: string;
  readonly cmeAccount?: string;
  /** Whether a file exists (tests pass their own). */
  readonly exists?: (p: string) => boolean;
}

export interface DemoPlan {
  readonly speed: number;
  readonly clockStart: number;
  /** The last session-clock instant the plan's data covers. */
  readonly clockEnd: number;
  readonly venues: readonly DemoVenue[];
  /** Instruments the model predicts, with where it reads its bars. */
  readonly modelInstruments: readonly ModelInstrument[];
  readonly data: readonly DemoDataFile[];
  readonly cme?: DemoCmePart;
  readonly optimizer: Record<string, unknown>;
  /** Settings (KEEL_*) per app beyond the shared ones. */
  readonly appEnv: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Virtual ms for a wall duration at this speed. */
  readonly virtualMs: (wallMs: number) => number;
}

/** Where the model reads the bars of one instrument: the file, how its rows become closes, the shift. */
export type ModelInstrument =
  | { readonly instrument: string; readonly kind: 'bars'; readonly file: string; readonly shiftMs: number }
  | { readonly instrument: string; readonly kind: 'quotes'; readonly file: string; readonly shiftMs: number }
  | { readonly instrument: string; readonly kind: 'cme'; readonly root: string };

const perp = (
  venue: string,
  venueSymbol: string,
  base: string,
  tick: string,
  lot: string,
  minNotional: string,
  contractSize: string,
): InstrumentJson => ({
  ...instrumentJson(BINANCE_USDM_BTCUSDT),
  venue,
  venueSymbol,
  symbol: `${base}/USDT:USDT`,
  base,
  tickSize: tick,
  lotSize: lot,
  minQty: lot,
  minNotional,
  contractSize,
});

export class DemoPlanError extends Error {}

export const buildDemoPlan = (o: DemoPlanOptions): DemoPlan => {
  const clockStart = o.cme?.clockStart ?? o.clockStart;
  const spanMs = o.minutes * 60_000 * o.speed;
  // A margin for start-up (the clock runs while apps start) and the wind-down after --minutes.
  const until = clockStart + spanMs + 90_000 * o.speed;
  const btc = resolveDataFile(o.marketDir, FILES.btcQuotes, o.exists);
  const eth = resolveDataFile(o.marketDir, FILES.ethBars, o.exists);
  const btcShift = clockStart - (FILES.btcQuotes.start + WARM_UP_MS);
  const ethShift = clockStart - (FILES.ethBars.start + WARM_UP_MS);
  for (const [name, d, shift] of [
    ['btc', btc, btcShift],
    ['eth', eth, ethShift],
  ] as const)
    if (d.end + shift < until)
      throw new DemoPlanError(
        `--minutes ${o.minutes} at --speed ${o.speed} needs ${((until - clockStart) / 3_600_000).toFixed(1)} h of data; the ${name} file has ${((d.end + shift - clockStart) / 3_600_000).toFixed(1)} h after its warm-up: lower --minutes or --speed`,
      );
  const btcFile = btc.file;
  const ethFile = eth.file;
  const from = clockStart - 60_000 * o.speed; // a minute of wall time before the start: quotes at once
  const cryptoMarkets = (venue: string, okx: boolean): SimMarketSpec[] => [
    {
      instrument: okx
        ? perp(venue, 'BTC-USDT-SWAP', 'BTC', '0.1', '0.01', '0', '0.01')
        : perp(venue, 'BTCUSDT', 'BTC', '0.1', '0.001', '100', '1'),
      source: { kind: 'ticks', quotes: btcFile },
      shiftMs: btcShift,
      from,
      until,
    },
    {
      instrument: okx
        ? perp(venue, 'ETH-USDT-SWAP', 'ETH', '0.01', '0.01', '0', '0.1')
        : perp(venue, 'ETHUSDT', 'ETH', '0.01', '0.001', '20', '1'),
      source: { kind: 'bars', file: ethFile, volume: 'base' },
      shiftMs: ethShift,
      from,
      until,
    },
  ];
  const venues: DemoVenue[] = [
    {
      instance: 'binance',
      venue: 'binanceusdm-sim',
      accountId: 'paper-binance',
      balances: 'USDT=1000000',
      currency: 'USDT',
      markets: cryptoMarkets('binanceusdm-sim', false),
    },
    {
      instance: 'okx',
      venue: 'okx-sim',
      accountId: 'paper-okx',
      balances: 'USDT=1000000',
      currency: 'USDT',
      markets: cryptoMarkets('okx-sim', true),
    },
  ];
  const cmeAccount = o.cmeAccount ?? 'paper-cme';
  if (o.cme)
    venues.push({
      instance: 'cme',
      venue: o.cmeVenue ?? 'cme-sim',
      accountId: cmeAccount,
      balances: 'USD=250000',
      currency: 'USD',
      markets: o.cme.markets,
    });
  const data: DemoDataFile[] = [
    ...venues
      .filter((v) => v.instance !== 'cme')
      .flatMap((v) =>
        v.markets.map((m) => ({
          file: path.basename(m.source.kind === 'bars' ? m.source.file : (m.source.quotes ?? '')),
          instrument: m.instrument.symbol,
          venue: v.venue,
          shiftMs: m.shiftMs,
          note:
            m.source.kind === 'bars' ? '1-minute bars replayed as a synthetic path' : '1-second top of book',
        })),
      ),
    ...(o.cme?.data ?? []).map((d) => ({
      ...d,
      file: path.basename(d.file),
      note: 'ES 1-minute trade bars as MES prices; the shift also moves the time of day (hours are the 2025 calendar’s; docs/cme.md, "Paper session")',
    })),
  ];

  const virtualMs = (wallMs: number): number => Math.max(10, Math.round(wallMs * o.speed));
  const sec = (wallMs: number): number => Math.max(1, Math.round(virtualMs(wallMs) / 1000));
  // A target is traded over ~12 s of wall time in 4 slices: a round trip through the apps
  // (store → relay → NATS → app → venue and back) takes a few hundred ms of wall time, whatever
  // the speed, so a slice must be a few of them long.
  const horizonSec = sec(WALL.horizonMs);
  const account = (instruments: readonly string[]) => ({
    strategies: { trend: { budget: 1 } },
    instruments,
    leverage: 1,
    maxGrossLeverage: 2,
    maxNetLeverage: 2,
    dailyLossLimit: 0.05,
    maxDrawdown: 0.2,
    drawdownScaling: { start: 0.05, full: 0.15, floor: 0.25 },
    targetHorizonSec: horizonSec,
  });
  const crypto = ['BTC/USDT:USDT', 'ETH/USDT:USDT'];
  const cmeInstrument = o.cme ? `CME:${o.cme.root}` : undefined;
  const optimizer = {
    // A view holds until the model replaces it or it expires: a linear decay would move every
    // target a little on every pass, and each move would supersede the order working it.
    models: { 'ma-cross': { decay: 'none' } },
    strategies: { trend: { models: { 'ma-cross': 1 }, method: 'signal', volTarget: null } },
    instruments: {
      'BTC/USDT:USDT': { maxNotional: '250000' },
      'ETH/USDT:USDT': { maxNotional: '150000' },
      ...(cmeInstrument ? { [cmeInstrument]: { maxQty: '4' } } : {}),
    },
    accounts: {
      'paper-binance': account(crypto),
      'paper-okx': account(crypto),
      ...(cmeInstrument ? { [cmeAccount]: account([cmeInstrument]) } : {}),
    },
    risk: {
      equityMaxAgeSec: sec(6_000),
      priceMaxAgeSec: sec(3_000),
      // Changes under 0.5 % of equity are not traded: the model's decaying signal would
      // otherwise move every target a little on every pass.
      deadband: 0.005,
      hysteresis: 0.25,
      killSwitch: 'freeze',
    },
    tickMs: virtualMs(500),
  };
  const modelInstruments: ModelInstrument[] = [
    { instrument: 'BTC/USDT:USDT', kind: 'quotes', file: btcFile, shiftMs: btcShift },
    { instrument: 'ETH/USDT:USDT', kind: 'bars', file: ethFile, shiftMs: ethShift },
    ...(o.cme ? [{ instrument: `CME:${o.cme.root}`, kind: 'cme' as const, root: o.cme.root }] : []),
  ];
  const appEnv: Record<string, Record<string, string>> = {
    execution: {
      KEEL_ACCOUNT_IDS: venues.map((v) => v.accountId).join(','),
      KEEL_TICK_MS: String(virtualMs(250)),
      KEEL_SLICE_SEC: String(sec(WALL.horizonMs / 4)),
      // A parent that ends at its deadline short is followed up over two slices.
      KEEL_FOLLOW_UP_SEC: String(sec(WALL.horizonMs / 2)),
      KEEL_QUOTE_MAX_AGE_MS: String(virtualMs(2_500)),
      // A request the gateway sees more than 10 s of wall time late is never sent.
      KEEL_CHILD_VALIDITY_MS: String(virtualMs(10_000)),
    },
    'balance-aggregator': {
      KEEL_BALANCES: JSON.stringify({
        heartbeatMs: virtualMs(1_000),
        staleAfterMs: virtualMs(5_000),
        driftGraceMs: virtualMs(3_000),
        // The CME account holds USD; accounts are valued in USDT. The paper session declares
        // 1 USD = 1 USDT (an operator's fixed rate, docs/balances.md), said in the report.
        fixedRates: { USD: '1' },
      }),
    },
    // The roll's own targets are worked like the optimizer's: over the same wall-time horizon (a
    // fixed 900 s of session clock is 1.5 s of wall time at 600×, too short for any fill).
    'cme-rollover': o.cme
      ? { ...o.cme.rolloverEnv, KEEL_TARGET_HORIZON_SEC: String(horizonSec) }
      : { KEEL_ACCOUNT_IDS: '' },
    'prediction-ingest': {
      KEEL_INSTRUMENTS: modelInstruments.map((m) => m.instrument).join(','),
    },
  };
  for (const v of venues)
    appEnv[`gateway-${v.instance}`] = {
      KEEL_VENUE: 'sim',
      KEEL_INSTANCE: v.instance,
      KEEL_SIM_VENUE: v.venue,
      KEEL_ACCOUNT_IDS: v.accountId,
      KEEL_SIM_BALANCES: v.balances,
      KEEL_INSTRUMENTS: v.markets.map((m) => m.instrument.symbol).join(','),
      KEEL_CYCLE_MS: String(virtualMs(250)),
      KEEL_WINDOW_MS: String(virtualMs(50)),
      KEEL_FUNDING_POLL_MS: String(virtualMs(5_000)),
    };
  return {
    speed: o.speed,
    clockStart,
    clockEnd: until,
    venues,
    modelInstruments,
    data,
    ...(o.cme ? { cme: o.cme } : {}),
    optimizer,
    appEnv,
    virtualMs,
  };
};
