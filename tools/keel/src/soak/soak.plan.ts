/**
 * What a `keel soak` run is, decided before anything starts: a pure function of the options
 * (days, wall minutes, seed, the bar file's span), so a run is repeatable from its seed and the
 * plan is unit-tested without processes.
 *
 * The session clock runs `days` of recorded 1-minute bars in `minutes` of wall time: the speed
 * is their ratio. Every duration an app or the venue reads is on that clock, so each is given
 * here as wall time times the speed (`virtualMs`): a gateway cycle of 250 ms wall is 84 s of
 * session time at 336×. The window of the file is picked by the seed, never one fixed week.
 */
import { instrumentJson, InstrumentJson, Misbehaviour, SimMarketSpec } from '@keel/venue-sim';
import { BINANCE_USDM_BTCUSDT } from '@keel/instruments';

export const SOAK_ACCOUNT = 'soak-binance';
export const SOAK_INSTRUMENT = 'BTC/USDT:USDT';
/** The processes a soak runs and kills: the relay, the gateway and execution. */
export const SOAK_APPS = ['relay', 'gateway', 'execution'] as const;
export type SoakApp = (typeof SOAK_APPS)[number];

const DAY_MS = 86_400_000;

export interface SoakOptions {
  /** Session days to run (from the bar file). */
  readonly days: number;
  /** Wall minutes of chaos (the settle phase after them is extra). */
  readonly minutes: number;
  readonly seed: number;
  /** The bar file and the span of its data (epoch ms of its first and last bar). */
  readonly file: string;
  readonly dataStart: number;
  readonly dataEnd: number;
}

/** Wall-time ranges (ms) the chaos draws from: [min, max). */
export interface ChaosRanges {
  /** How long an app runs after it is ready before its SIGKILL. */
  readonly uptime: readonly [number, number];
  /** One kill in this many comes during start-up (loading, replaying, reconciling). */
  readonly startupKillEvery: number;
  /** When a start-up kill comes, after the spawn. */
  readonly startupKillAfter: readonly [number, number];
  /** How long a killed app stays down. */
  readonly down: readonly [number, number];
  /** Between NATS restarts, and how long NATS stays down. */
  readonly natsEvery: readonly [number, number];
  readonly natsDown: readonly [number, number];
  /** Between store outages (an exclusive lock on the SQLite file), and how long each holds. */
  readonly storeEvery: readonly [number, number];
  readonly storeLocked: readonly [number, number];
  /** Between clock steps of one app's system clock, the step's size (either way), how long it holds. */
  readonly clockEvery: readonly [number, number];
  readonly clockStep: readonly [number, number];
  readonly clockHeld: readonly [number, number];
  /** A new target this often. */
  readonly targetEvery: readonly [number, number];
}

export const CHAOS: ChaosRanges = {
  uptime: [500, 5_000],
  startupKillEvery: 4,
  startupKillAfter: [150, 2_500],
  down: [100, 1_000],
  natsEvery: [25_000, 60_000],
  natsDown: [300, 3_000],
  // Some outages outlast SQLite's 5 s busy timeout: the apps must wait those out, not fail.
  storeEvery: [15_000, 45_000],
  storeLocked: [500, 8_000],
  clockEvery: [10_000, 30_000],
  clockStep: [500, 3_000],
  clockHeld: [2_000, 10_000],
  targetEvery: [4_000, 10_000],
};

/** Wall time a target is traded over. */
export const HORIZON_WALL_MS = 6_000;

export interface SoakPlan {
  readonly speed: number;
  /** The session clock's start (the window's first bar) and the end of the data the venue replays. */
  readonly clockStart: number;
  readonly clockEnd: number;
  readonly windowDay: number;
  readonly market: SimMarketSpec;
  readonly misbehaviour: Misbehaviour;
  /** Settings (KEEL_*) of each app beyond the shared ones. */
  readonly appEnv: Readonly<Record<SoakApp, Readonly<Record<string, string>>>>;
  readonly horizonSec: number;
  readonly virtualMs: (wallMs: number) => number;
}

export class SoakPlanError extends Error {}

/** The venue's listing of BTCUSDT, as in the paper session. */
const btcPerp = (): InstrumentJson => ({
  ...instrumentJson(BINANCE_USDM_BTCUSDT),
  venue: 'binanceusdm-sim',
  venueSymbol: 'BTCUSDT',
  symbol: SOAK_INSTRUMENT,
});

export const buildSoakPlan = (o: SoakOptions, pick: () => number): SoakPlan => {
  if (!(o.days > 0)) throw new SoakPlanError(`--days must be > 0 (got ${o.days})`);
  if (!(o.minutes > 0)) throw new SoakPlanError(`--minutes must be > 0 (got ${o.minutes})`);
  const spanMs = o.days * DAY_MS;
  // Start-up and the settle phase run on the same clock: room for 10 more wall minutes of it.
  const wallMs = o.minutes * 60_000;
  const speed = Math.max(1, Math.round(spanMs / wallMs));
  const needMs = spanMs + 10 * 60_000 * speed;
  const firstDay = Math.ceil(o.dataStart / DAY_MS) * DAY_MS;
  const days = Math.floor((o.dataEnd - firstDay - needMs) / DAY_MS);
  if (days < 0)
    throw new SoakPlanError(
      `${o.file} holds ${((o.dataEnd - o.dataStart) / DAY_MS).toFixed(1)} days of bars; ${o.days} days at ${speed}× need ${(needMs / DAY_MS).toFixed(1)}: lower --days or give a longer file`,
    );
  const windowDay = Math.floor(pick() * (days + 1));
  const clockStart = firstDay + windowDay * DAY_MS;
  const clockEnd = clockStart + needMs;
  const virtualMs = (w: number): number => Math.max(10, Math.round(w * speed));
  const sec = (w: number): number => Math.max(1, Math.round(virtualMs(w) / 1000));
  const horizonSec = sec(HORIZON_WALL_MS);
  const misbehaviour: Misbehaviour = {
    // A fifth of the sends time out and are applied 300 ms of wall time later; the gateway
    // trusts "not found" only after 3 s (10× that), so a late send cannot be sent again.
    lateApplyChance: 0.2,
    lateApplyMs: virtualMs(300),
    forgetCancelledAfterMs: virtualMs(5_000),
    fillDelayMs: virtualMs(300),
    fillDropChance: 0.1,
    seed: o.seed,
  };
  return {
    speed,
    clockStart,
    clockEnd,
    windowDay,
    horizonSec,
    virtualMs,
    misbehaviour,
    market: {
      instrument: btcPerp(),
      source: { kind: 'bars', file: o.file, volume: 'base' },
      shiftMs: 0,
      from: clockStart - 60 * 60_000,
      until: clockEnd,
    },
    appEnv: {
      relay: {},
      gateway: {
        KEEL_VENUE: 'sim',
        KEEL_SIM_VENUE: 'binanceusdm-sim',
        KEEL_ACCOUNT_IDS: SOAK_ACCOUNT,
        KEEL_SIM_BALANCES: 'USDT=1000000',
        KEEL_INSTRUMENTS: SOAK_INSTRUMENT,
        KEEL_CYCLE_MS: String(virtualMs(250)),
        KEEL_WINDOW_MS: String(virtualMs(50)),
        KEEL_FUNDING_POLL_MS: String(virtualMs(5_000)),
        KEEL_NOT_FOUND_HORIZON_MS: String(virtualMs(3_000)),
        // The venue lists fills 300 ms of wall time late: the cycle must look back far more
        // than that in wall time (10 min of session time is under a second at 960×).
        KEEL_FILL_LOOKBACK_MS: String(virtualMs(15_000)),
        KEEL_SNAPSHOT_EVERY: '50',
      },
      execution: {
        KEEL_ACCOUNT_IDS: SOAK_ACCOUNT,
        KEEL_TICK_MS: String(virtualMs(250)),
        KEEL_SLICE_SEC: String(sec(HORIZON_WALL_MS / 4)),
        // A parent that ends at its deadline short is followed up over two slices.
        KEEL_FOLLOW_UP_SEC: String(sec(HORIZON_WALL_MS / 2)),
        KEEL_QUOTE_MAX_AGE_MS: String(virtualMs(2_500)),
        KEEL_CHILD_VALIDITY_MS: String(virtualMs(10_000)),
        KEEL_SNAPSHOT_EVERY: '50',
      },
    },
  };
};

/** A draw in [min, max). */
export const within = (r: readonly [number, number], rnd: () => number): number =>
  r[0] + rnd() * (r[1] - r[0]);

/** Target quantities a soak cycles through (BTC): long, short, flat, and sizes between. */
export const targetQty = (rnd: () => number): string => {
  const steps = Math.floor(rnd() * 41) - 20; // -20 … 20
  return (steps * 0.025).toFixed(3);
};
