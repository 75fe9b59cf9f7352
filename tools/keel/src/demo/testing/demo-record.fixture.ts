/**
 * DemoRecords for the report's specs, shaped like a real paper session: two crypto accounts on
 * two venues (Binance USD-M, OKX) and a CME account, targets that step and positions that
 * chase them, parent orders derived from those target changes (so the execution table agrees
 * with the position charts), chaos kills with their restarts. Deterministic: a seeded
 * generator, so a failing spec shows the same page every time.
 */
import Decimal from 'decimal.js';
import { mulberry32 } from '@keel/venue-sim';
import type {
  DemoAccount,
  DemoChaosAction,
  DemoParentOrder,
  DemoPositionSeries,
  DemoRecord,
  Point,
} from '../demo.record';

export interface DemoRecordFixtureOptions {
  /** Points per equity/PnL series (default 240). */
  readonly points?: number;
  /** Accounts (default 3: binance-main, okx-main, cme-main; more repeat the venues). */
  readonly accounts?: number;
  /** Make the `no duplicate orders` invariant fail with counter-examples. */
  readonly failing?: boolean;
  readonly seed?: number;
}

/** Fixtures must not depend on Math.random: the simulator's seeded PRNG. */
const rng = mulberry32;

const START = Date.UTC(2026, 0, 1, 2, 0, 0);
const SPEED = 60;
const WALL_SECONDS = 120;
const END = START + WALL_SECONDS * 1000 * SPEED;

interface AccountSpec {
  readonly account: string;
  readonly venue: string;
  readonly currency: string;
  readonly capital: number;
  readonly instruments: readonly { readonly id: string; readonly price: number; readonly lot: number }[];
}

const BASE_ACCOUNTS: readonly AccountSpec[] = [
  {
    account: 'binance-main',
    venue: 'binance',
    currency: 'USDT',
    capital: 100_000,
    instruments: [
      { id: 'BTC/USDT:USDT', price: 94_000, lot: 0.001 },
      { id: 'ETH/USDT:USDT', price: 3_300, lot: 0.01 },
    ],
  },
  {
    account: 'okx-main',
    venue: 'okx',
    currency: 'USDT',
    capital: 60_000,
    instruments: [{ id: 'BTC/USDT:USDT', price: 94_010, lot: 0.01 }],
  },
  {
    account: 'cme-main',
    venue: 'cme',
    currency: 'USD',
    capital: 250_000,
    instruments: [{ id: 'ESH6', price: 6_050, lot: 1 }],
  },
];

const accountSpecs = (n: number): AccountSpec[] =>
  Array.from({ length: n }, (_, i) => {
    const base = BASE_ACCOUNTS[i % BASE_ACCOUNTS.length] as AccountSpec;
    return i < BASE_ACCOUNTS.length ? base : { ...base, account: `${base.account}-${Math.floor(i / 3) + 1}` };
  });

const dec = (v: number, dp: number): string => new Decimal(v).toDecimalPlaces(dp).toFixed(dp);

export const demoRecordFixture = (o: DemoRecordFixtureOptions = {}): DemoRecord => {
  const next = rng(o.seed ?? 7);
  const points = Math.max(2, o.points ?? 240);
  const specs = accountSpecs(o.accounts ?? 3);
  const dt = (END - START) / (points - 1);
  const times = Array.from({ length: points }, (_, i) => Math.round(START + i * dt));

  const accounts: DemoAccount[] = [];
  const positions: DemoPositionSeries[] = [];
  const parentOrders: DemoParentOrder[] = [];
  let children = 0;
  let fills = 0;
  const feesByAsset = new Map<string, Decimal>();

  for (const spec of specs) {
    let eq = spec.capital;
    const equity: Point[] = [];
    const pnl: Point[] = [];
    for (const t of times) {
      eq += (next() - 0.48) * spec.capital * 0.0008;
      equity.push([t, dec(eq, 2)]);
      pnl.push([t, dec(eq - spec.capital, 2)]);
    }
    const fees = new Decimal(0);
    let accountFees = fees;
    for (const inst of spec.instruments) {
      // A new target every 15 virtual minutes; the position follows over a few minutes.
      const target: Point[] = [];
      const position: Point[] = [];
      let tgt = 0;
      let pos = 0;
      position.push([START, '0']);
      // The last target leaves time for its parent (4 one-minute slices) to finish in the session.
      for (let t = START; t <= END - 10 * 60_000; t += 15 * 60_000) {
        const lots = Math.round((next() - 0.5) * 10);
        const newTarget = lots * inst.lot * (inst.lot >= 1 ? 1 : 5);
        if (newTarget === tgt && t !== START) continue;
        target.push([t, String(new Decimal(newTarget).toDecimalPlaces(6))]);
        const delta = newTarget - tgt;
        tgt = newTarget;
        if (delta === 0) {
          position.push([t, String(new Decimal(pos).toDecimalPlaces(6))]);
          continue;
        }
        const slices = 4;
        const started = t + 2_000;
        const arrival = inst.price * (1 + (next() - 0.5) * 0.01);
        const slip = (next() - 0.35) * 6;
        const avg = arrival * (1 + (Math.sign(delta) * slip) / 10_000);
        const maker = next();
        const notional = Math.abs(delta) * avg;
        const fee = new Decimal(notional * (maker * 0.0002 + (1 - maker) * 0.0005)).toDecimalPlaces(4);
        accountFees = accountFees.plus(fee);
        for (let k = 1; k <= slices; k++) {
          pos += delta / slices;
          position.push([started + k * 60_000, String(new Decimal(pos).toDecimalPlaces(6))]);
        }
        children += slices + 1;
        fills += slices;
        parentOrders.push({
          // Shaped like a derived id: 32 lowercase hex characters.
          id: Array.from({ length: 4 }, () =>
            Math.floor(next() * 2 ** 32)
              .toString(16)
              .padStart(8, '0'),
          ).join(''),
          account: spec.account,
          instrument: inst.id,
          side: delta > 0 ? 'buy' : 'sell',
          qty: String(new Decimal(Math.abs(delta)).toDecimalPlaces(6)),
          filled: String(new Decimal(Math.abs(delta)).toDecimalPlaces(6)),
          state: 'done',
          startedAt: started,
          endedAt: started + slices * 60_000 + Math.round(next() * 40_000),
          avgPrice: dec(avg, 2),
          arrivalPrice: dec(arrival, 2),
          slippageBps: Math.round(slip * 100) / 100,
          makerShare: Math.round(maker * 1000) / 1000,
          children: slices + 1,
          fees: fee.toFixed(4),
        });
      }
      positions.push({ account: spec.account, instrument: inst.id, position, target });
    }
    feesByAsset.set(spec.currency, (feesByAsset.get(spec.currency) ?? new Decimal(0)).plus(accountFees));
    const last = eq - spec.capital;
    accounts.push({
      account: spec.account,
      venue: spec.venue,
      currency: spec.currency,
      equity,
      pnl,
      final: {
        equity: dec(eq, 2),
        realizedPnl: dec(last * 0.6, 2),
        unrealizedPnl: dec(last * 0.4 + accountFees.toNumber(), 2),
        fees: accountFees.toFixed(4),
        funding: spec.venue === 'cme' ? '0' : dec(-next() * 3, 2),
      },
    });
  }
  // One parent still working when the session stopped, and one superseded half-way.
  const lastPo = parentOrders[parentOrders.length - 1];
  if (lastPo) parentOrders[parentOrders.length - 1] = { ...lastPo, state: 'working', endedAt: null };
  const firstPo = parentOrders[0];
  if (firstPo) {
    const half = new Decimal(firstPo.qty).div(2).toFixed();
    parentOrders[0] = { ...firstPo, state: 'superseded', filled: half };
  }

  const chaos: DemoChaosAction[] = [
    { at: START + 31 * 60_000, app: 'execution', action: 'killed' },
    { at: START + 31 * 60_000 + 4_000, app: 'execution', action: 'restarted' },
    { at: START + 74 * 60_000, app: 'gateway-binance', action: 'killed' },
    { at: START + 74 * 60_000 + 6_500, app: 'gateway-binance', action: 'restarted' },
  ];
  const appNames = ['prediction-ingest', 'optimizer', 'execution', 'balance-aggregator', 'gateway-binance'];
  const apps = [
    ...appNames.flatMap((app, i) => [
      { at: START - 3_000 + i * 200, app, state: 'starting' },
      { at: START - 1_000 + i * 200, app, state: 'ready' },
    ]),
    ...chaos.map((c) => ({
      at: c.at + 500,
      app: c.app,
      state: c.action === 'killed' ? 'exited (SIGKILL)' : 'ready',
    })),
  ];

  const failing = o.failing ?? false;
  return {
    session: {
      startedAt: '2026-12-04T09:00:00.000Z',
      wallSeconds: WALL_SECONDS,
      speed: SPEED,
      virtualStart: START,
      virtualEnd: END,
      chaos: true,
      endedBy: 'minutes',
      data: [
        {
          file: '../shared/data/market/binance-usdm-btcusdt-bbo1s-2026-01-01_2026-01-02.csv.gz',
          instrument: 'BTC/USDT:USDT',
          venue: 'binance',
          shiftMs: 0,
        },
        {
          file: '../shared/data/market/okx-swap-btcusdt-trades-2025-11-03.csv.gz',
          instrument: 'BTC/USDT:USDT',
          venue: 'okx',
          shiftMs: 5_094_000_000,
          note: 'shifted onto the session clock',
        },
        {
          file: '../shared/data/market/cme-es-1m-2025-12-01_2025-12-31.csv.gz',
          instrument: 'ESH6',
          venue: 'cme',
          shiftMs: 2_592_000_000,
        },
      ],
      storeUri: 'sqlite:./tmp/demo-2026-12-04/keel.sqlite',
      natsUrl: 'nats://127.0.0.1:42222',
    },
    totals: {
      predictions: 1_284,
      predictionsRefused: 3,
      targets: positions.reduce((n, p) => n + p.target.length, 0),
      withheld: 2,
      parentOrders: parentOrders.length,
      childOrders: children,
      fills,
      makerShare: 0.62,
      fees: Object.fromEntries([...feesByAsset].map(([a, v]) => [a, v.toFixed(4)])),
    },
    accounts,
    positions,
    parentOrders,
    invariants: [
      { name: 'every stored event reached NATS', pass: true, detail: '48,211 stored, 48,211 relayed' },
      {
        name: 'no duplicate orders',
        pass: !failing,
        detail: failing
          ? '2 client order ids sent twice to the venue: po003binancemain00000 (binance-main), po007okxmain000000 (okx-main)'
          : 'every client order id placed at most once (812 ids)',
      },
      {
        name: 'positions match the fills',
        pass: true,
        detail: 'all 4 (account, instrument) positions equal the sum of fills',
      },
      {
        name: 'PnL replay equals live PnL',
        pass: true,
        detail: 'replayed from position 0: identical to the cent',
      },
    ],
    chaos,
    apps,
  };
};

/** A session where nothing traded: no predictions, no series, no orders, nothing killed. */
export const emptyDemoRecord = (): DemoRecord => ({
  session: {
    startedAt: '2026-12-04T09:00:00.000Z',
    wallSeconds: 5,
    speed: 60,
    virtualStart: START,
    virtualEnd: START + 300_000,
    chaos: false,
    endedBy: 'SIGINT',
    data: [],
    storeUri: 'sqlite:./tmp/demo/keel.sqlite',
    natsUrl: 'nats://127.0.0.1:4222',
  },
  totals: {
    predictions: 0,
    predictionsRefused: 0,
    targets: 0,
    withheld: 0,
    parentOrders: 0,
    childOrders: 0,
    fills: 0,
    makerShare: null,
    fees: {},
  },
  accounts: [
    {
      account: 'binance-main',
      venue: 'binance',
      currency: 'USDT',
      equity: [],
      pnl: [],
      final: { equity: null, realizedPnl: '0', unrealizedPnl: '0', fees: '0', funding: '0' },
    },
  ],
  positions: [],
  parentOrders: [],
  invariants: [
    { name: 'every stored event reached NATS', pass: true, detail: '12 stored, 12 relayed' },
    { name: 'no duplicate orders', pass: true, detail: 'no orders were placed' },
  ],
  chaos: [],
  apps: [],
});
