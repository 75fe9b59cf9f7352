/**
 * The paper session's plan: where each recorded crypto file lands on the session's clock, how
 * every app's settings follow the speed, when the data is too short for the session, and how
 * the optional CME part adds (or does not add) its venue, account and apps. The market folder
 * is a made-up path: the plan only builds file names.
 */
import * as path from 'node:path';
import { buildDemoPlan, DemoCmePart, DemoPlan, DemoPlanError, FILES, WALL, WARM_UP_MS } from './demo.plan';

const MARKET_DIR = '/nowhere/market';
const CLOCK_START = Date.parse('2025-11-20T14:30:00Z');
/** The first instant of each crypto file (data time), from the files' names. */
const BTC_FILE_START = Date.parse('2026-01-01T00:00:00Z');
const ETH_FILE_START = Date.parse('2024-01-01T00:00:00Z');
const BTC_FILE = path.join(MARKET_DIR, FILES.btcQuotes.names[0]);
const ETH_FILE = path.join(MARKET_DIR, FILES.ethBars.names[0]);

const plan = (o: Partial<Parameters<typeof buildDemoPlan>[0]> = {}): DemoPlan =>
  buildDemoPlan({ speed: 60, minutes: 10, marketDir: MARKET_DIR, clockStart: CLOCK_START, ...o });

const cmePart = (clockStart: number): DemoCmePart => ({
  clockStart,
  root: 'ES',
  markets: [],
  rolloverEnv: { KEEL_ACCOUNT_IDS: 'paper-cme', KEEL_ROOTS: 'ES' },
  milestones: [{ at: clockStart + 3_600_000, what: 'roll ESZ5 → ESH6' }],
  data: [{ file: 'cme-es-1m.csv.gz', instrument: 'ESZ5', venue: 'cme-sim', shiftMs: 0 }],
});

const venueOf = (p: DemoPlan, instance: string) => {
  const v = p.venues.find((x) => x.instance === instance);
  if (!v) throw new Error(`no venue ${instance}`);
  return v;
};

describe('buildDemoPlan: the crypto files on the session clock', () => {
  it('shifts each file so its warm-up ends at clockStart, in the venues, the data list and the model', () => {
    const p = plan();
    const btcShift = CLOCK_START - (BTC_FILE_START + WARM_UP_MS);
    const ethShift = CLOCK_START - (ETH_FILE_START + WARM_UP_MS);
    expect(WARM_UP_MS).toBe(2 * 3_600_000);
    for (const instance of ['binance', 'okx']) {
      const [btc, eth] = venueOf(p, instance).markets;
      expect(btc?.source).toEqual({ kind: 'ticks', quotes: BTC_FILE });
      expect(btc?.shiftMs).toBe(btcShift);
      expect(eth?.source).toEqual({ kind: 'bars', file: ETH_FILE, volume: 'base' });
      expect(eth?.shiftMs).toBe(ethShift);
    }
    // The 2026-01-01T02:00Z quote (end of the BTC warm-up) is replayed at the session's start.
    expect(Date.parse('2026-01-01T02:00:00Z') + btcShift).toBe(CLOCK_START);
    expect(Date.parse('2024-01-01T02:00:00Z') + ethShift).toBe(CLOCK_START);
    expect(p.modelInstruments).toEqual([
      { instrument: 'BTC/USDT:USDT', kind: 'quotes', file: BTC_FILE, shiftMs: btcShift },
      { instrument: 'ETH/USDT:USDT', kind: 'bars', file: ETH_FILE, shiftMs: ethShift },
    ]);
    expect(p.data.map((d) => [d.venue, d.instrument, d.file, d.shiftMs])).toEqual([
      ['binanceusdm-sim', 'BTC/USDT:USDT', FILES.btcQuotes.names[0], btcShift],
      ['binanceusdm-sim', 'ETH/USDT:USDT', FILES.ethBars.names[0], ethShift],
      ['okx-sim', 'BTC/USDT:USDT', FILES.btcQuotes.names[0], btcShift],
      ['okx-sim', 'ETH/USDT:USDT', FILES.ethBars.names[0], ethShift],
    ]);
  });

  it('replays from a wall minute before the start to the session end plus 90 wall seconds', () => {
    const p = plan({ speed: 60, minutes: 10 });
    const until = CLOCK_START + (10 * 60_000 + 90_000) * 60;
    expect(p.clockStart).toBe(CLOCK_START);
    expect(p.clockEnd).toBe(until);
    for (const v of p.venues)
      for (const m of v.markets) {
        expect(m.from).toBe(CLOCK_START - 60_000 * 60);
        expect(m.until).toBe(until);
      }
  });

  it('lists the venues’ instruments as the exchanges do: Binance lots and min notional, OKX contract sizes', () => {
    const p = plan();
    const rules = (instance: string) =>
      venueOf(p, instance).markets.map((m) => [
        m.instrument.venue,
        m.instrument.venueSymbol,
        m.instrument.symbol,
        m.instrument.lotSize,
        m.instrument.minNotional,
        m.instrument.contractSize,
      ]);
    expect(rules('binance')).toEqual([
      ['binanceusdm-sim', 'BTCUSDT', 'BTC/USDT:USDT', '0.001', '100', '1'],
      ['binanceusdm-sim', 'ETHUSDT', 'ETH/USDT:USDT', '0.001', '20', '1'],
    ]);
    expect(rules('okx')).toEqual([
      ['okx-sim', 'BTC-USDT-SWAP', 'BTC/USDT:USDT', '0.01', '0', '0.01'],
      ['okx-sim', 'ETH-USDT-SWAP', 'ETH/USDT:USDT', '0.01', '0', '0.1'],
    ]);
  });
});

describe('buildDemoPlan: settings scale with speed', () => {
  // Each setting's wall-time intent: the virtual value is intent × speed (ms), or rounded seconds.
  const expected = (speed: number) => ({
    gateway: {
      KEEL_CYCLE_MS: String(250 * speed),
      KEEL_WINDOW_MS: String(50 * speed),
      KEEL_FUNDING_POLL_MS: String(5_000 * speed),
    },
    execution: {
      KEEL_TICK_MS: String(250 * speed),
      // A target's TWAP lasts WALL.horizonMs of wall time, in 4 slices.
      KEEL_SLICE_SEC: String(Math.round((WALL.horizonMs / 4 / 1_000) * speed)),
      KEEL_QUOTE_MAX_AGE_MS: String(2_500 * speed),
    },
    balances: { heartbeatMs: 1_000 * speed, staleAfterMs: 5_000 * speed, driftGraceMs: 3_000 * speed },
    optimizer: {
      tickMs: 500 * speed,
      equityMaxAgeSec: 6 * speed,
      priceMaxAgeSec: 3 * speed,
      targetHorizonSec: Math.round((WALL.horizonMs / 1_000) * speed),
    },
  });

  it.each([1, 60, 300])('at speed %d every virtual time is its wall intent × speed', (speed) => {
    const p = plan({ speed, minutes: 2 });
    const want = expected(speed);
    for (const instance of ['binance', 'okx'])
      expect(p.appEnv[`gateway-${instance}`]).toEqual(expect.objectContaining(want.gateway));
    expect(p.appEnv['execution']).toEqual(expect.objectContaining(want.execution));
    expect(JSON.parse(p.appEnv['balance-aggregator']?.['KEEL_BALANCES'] ?? '{}')).toEqual(
      expect.objectContaining(want.balances),
    );
    const o = p.optimizer as {
      tickMs: number;
      risk: { equityMaxAgeSec: number; priceMaxAgeSec: number };
      accounts: Record<string, { targetHorizonSec: number }>;
    };
    expect(o.tickMs).toBe(want.optimizer.tickMs);
    expect(o.risk.equityMaxAgeSec).toBe(want.optimizer.equityMaxAgeSec);
    expect(o.risk.priceMaxAgeSec).toBe(want.optimizer.priceMaxAgeSec);
    for (const a of Object.values(o.accounts))
      expect(a.targetHorizonSec).toBe(want.optimizer.targetHorizonSec);
    expect(p.virtualMs(1_000)).toBe(1_000 * speed);
  });
});

describe('buildDemoPlan: the data must last the session', () => {
  // The BTC file is the shorter: 2026-01-01T02:00Z (warm-up end) to 2026-01-02T23:59:59Z, 46 h − 1 s.
  // A session needs (minutes + 1.5) wall minutes × speed of it: at speed 60, 44 minutes fit, 45 do not.
  it('accepts the longest session the BTC file covers', () => {
    const p = plan({ speed: 60, minutes: 44 });
    expect(p.clockEnd).toBeLessThanOrEqual(
      Date.parse('2026-01-02T23:59:59Z') + (p.venues[0]?.markets[0]?.shiftMs ?? NaN),
    );
  });

  it.each([
    [45, 60],
    [600, 300],
  ])('refuses --minutes %d at --speed %d, naming both', (minutes, speed) => {
    const build = () => plan({ minutes, speed });
    expect(build).toThrow(DemoPlanError);
    expect(build).toThrow(`--minutes ${minutes} at --speed ${speed}`);
    expect(build).toThrow(/the btc file has 46\.0 h after its warm-up: lower --minutes or --speed/);
  });

  it('says how much data the session needs', () => {
    expect(() => plan({ minutes: 600, speed: 300 })).toThrow(
      `needs ${(((600 * 60_000 + 90_000) * 300) / 3_600_000).toFixed(1)} h of data`,
    );
  });
});

describe('buildDemoPlan: accounts, venues and the optimizer agree', () => {
  type Optimizer = {
    instruments: Record<string, unknown>;
    accounts: Record<string, { instruments: string[] }>;
  };

  it('without a CME part: two crypto venues, no CME gateway, no account for cme-rollover', () => {
    const p = plan();
    expect(p.venues.map((v) => [v.instance, v.venue, v.accountId, v.currency])).toEqual([
      ['binance', 'binanceusdm-sim', 'paper-binance', 'USDT'],
      ['okx', 'okx-sim', 'paper-okx', 'USDT'],
    ]);
    expect(p.cme).toBeUndefined();
    expect(Object.keys(p.appEnv)).not.toContain('gateway-cme');
    expect(p.appEnv['cme-rollover']).toEqual({ KEEL_ACCOUNT_IDS: '' });
    expect(p.appEnv['execution']?.['KEEL_ACCOUNT_IDS']).toBe('paper-binance,paper-okx');
    expect(p.appEnv['prediction-ingest']?.['KEEL_INSTRUMENTS']).toBe('BTC/USDT:USDT,ETH/USDT:USDT');
    const o = p.optimizer as Optimizer;
    expect(Object.keys(o.accounts).sort()).toEqual(['paper-binance', 'paper-okx']);
    expect(Object.keys(o.instruments).sort()).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']);
  });

  it('each crypto account trades exactly what its venue lists, and its gateway is set up for that account', () => {
    const p = plan();
    const o = p.optimizer as Optimizer;
    for (const v of p.venues) {
      const symbols = v.markets.map((m) => m.instrument.symbol);
      expect(o.accounts[v.accountId]?.instruments).toEqual(symbols);
      for (const s of symbols) expect(o.instruments).toHaveProperty([s]);
      expect(p.appEnv[`gateway-${v.instance}`]).toEqual(
        expect.objectContaining({
          KEEL_VENUE: 'sim',
          KEEL_INSTANCE: v.instance,
          KEEL_SIM_VENUE: v.venue,
          KEEL_ACCOUNT_IDS: v.accountId,
          KEEL_SIM_BALANCES: v.balances,
          KEEL_INSTRUMENTS: symbols.join(','),
        }),
      );
    }
  });

  it('with a CME part: its clock start wins, and its venue, account, root and rollover settings join', () => {
    const cmeStart = Date.parse('2025-11-24T15:00:00Z');
    const cme = cmePart(cmeStart);
    const p = plan({ cme, clockStart: CLOCK_START });
    expect(p.clockStart).toBe(cmeStart);
    expect(p.venues[0]?.markets[0]?.shiftMs).toBe(cmeStart - (BTC_FILE_START + WARM_UP_MS));
    expect(venueOf(p, 'cme')).toEqual(
      expect.objectContaining({ venue: 'cme-sim', accountId: 'paper-cme', currency: 'USD' }),
    );
    expect(p.appEnv['gateway-cme']).toEqual(
      expect.objectContaining({ KEEL_ACCOUNT_IDS: 'paper-cme', KEEL_SIM_VENUE: 'cme-sim' }),
    );
    // The plan's rollover settings, with the roll's targets worked over the session's TWAP horizon.
    expect(p.appEnv['cme-rollover']).toEqual({
      ...cme.rolloverEnv,
      KEEL_TARGET_HORIZON_SEC: String((WALL.horizonMs * p.speed) / 1000),
    });
    expect(p.appEnv['execution']?.['KEEL_ACCOUNT_IDS']).toBe('paper-binance,paper-okx,paper-cme');
    expect(p.appEnv['prediction-ingest']?.['KEEL_INSTRUMENTS']).toBe('BTC/USDT:USDT,ETH/USDT:USDT,CME:ES');
    expect(p.modelInstruments[2]).toEqual({ instrument: 'CME:ES', kind: 'cme', root: 'ES' });
    const o = p.optimizer as Optimizer;
    expect(o.accounts['paper-cme']?.instruments).toEqual(['CME:ES']);
    expect(o.instruments['CME:ES']).toEqual({ maxQty: '4' });
    expect(p.data.map((d) => d.file)).toContain('cme-es-1m.csv.gz');
    expect(p.cme).toBe(cme);
  });

  it('names the CME venue and account as asked', () => {
    const p = plan({ cme: cmePart(CLOCK_START), cmeVenue: 'cme-sim-2', cmeAccount: 'paper-futures' });
    expect(venueOf(p, 'cme')).toEqual(
      expect.objectContaining({ venue: 'cme-sim-2', accountId: 'paper-futures' }),
    );
    const o = p.optimizer as Optimizer;
    expect(Object.keys(o.accounts).sort()).toEqual(['paper-binance', 'paper-futures', 'paper-okx']);
    expect(p.appEnv['gateway-cme']?.['KEEL_ACCOUNT_IDS']).toBe('paper-futures');
  });
});
