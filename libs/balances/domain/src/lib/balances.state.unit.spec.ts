import * as E from 'fp-ts/Either';
import Decimal from 'decimal.js';
import { EventData, EventType, RecordedEvent } from '@keel/events';
import { recordedEvent } from '../testing';
import { DEFAULT_BALANCES_CONFIG, parseBalancesConfig } from './balances.config';
import { BalancesSettings, BalancesState, evolveBalances, initialBalances, Outgoing } from './balances.state';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const SEC = 1_000;
const BTC = 'BTC/USDT:USDT';

/** No venue haircut: the collateral figures then show the team ratios alone. */
const settings = (over: Partial<BalancesSettings['config']> = {}): BalancesSettings => ({
  config: { ...DEFAULT_BALANCES_CONFIG, ...over },
  haircut: (_venue, asset) => ({
    tiers: [{ upTo: null, rate: asset === 'BTC' ? '0.95' : '1' }],
    version: 'spec@1',
  }),
});

class Tape {
  state: BalancesState = initialBalances;
  position = 0;
  readonly all: Outgoing[] = [];
  constructor(readonly s: BalancesSettings = settings()) {}
  add<T extends EventType>(type: T, data: EventData<T>, at: number): readonly Outgoing[] {
    const e: RecordedEvent = recordedEvent(type, data, { at, position: ++this.position });
    this.state = evolveBalances(this.state, e, this.s);
    this.all.push(...this.state.out);
    return this.state.out;
  }
  of<T extends Outgoing['type']>(type: T): Extract<Outgoing, { type: T }>[] {
    return this.all.filter((o): o is Extract<Outgoing, { type: T }> => o.type === type);
  }
}

const quote = (venue: string, instrument: string, mid: string, at: number): EventData<'QuoteUpdated'> => ({
  venue,
  instrument,
  bidPrice: mid,
  askPrice: mid,
  bidQty: '1',
  askQty: '1',
  venueAt: new Date(at).toISOString(),
});

const snapshot = (
  accountId: string,
  venue: string,
  at: number,
  balances: readonly [asset: string, total: string][],
  positions: readonly {
    instrument: string | null;
    qty: string;
    entry: string | null;
    mark?: string;
    upnl?: string;
  }[] = [],
): EventData<'AccountSnapshotReported'> => ({
  accountId,
  venue,
  model: 'sim',
  currency: 'USDT',
  venueAt: new Date(at).toISOString(),
  receivedAt: new Date(at).toISOString(),
  latencyMs: 12,
  balances: balances.map(([asset, total]) => ({ asset, total, locked: '0', free: total })),
  positions: positions.map((p) => ({
    instrument: p.instrument,
    venueSymbol: p.instrument ?? 'OTHER',
    qty: p.qty,
    entryPrice: p.entry,
    markPrice: p.mark ?? null,
    unrealizedPnl: p.upnl ?? '0',
    settle: 'USDT',
    marginMode: 'cross',
    initialMargin: null,
    maintenanceMargin: null,
    liquidationPrice: null,
  })),
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
});

describe('balances fold: valuing accounts at live marks', () => {
  it('values wallet balances and positions at the account venue’s own mark, in the reporting currency', () => {
    const t = new Tape();
    t.add('QuoteUpdated', quote('sim', BTC, '61000', T0), T0);
    t.add('QuoteUpdated', quote('other', BTC, '70000', T0), T0); // another venue's price: not this account's
    const out = t.add(
      'AccountSnapshotReported',
      snapshot(
        'a1',
        'sim',
        T0 + SEC,
        [
          ['USDT', '10000'],
          ['BTC', '0.5'],
        ],
        [{ instrument: BTC, qty: '0.1', entry: '60000' }],
      ),
      T0 + SEC,
    );
    const eq = out.find((o) => o.type === 'AccountEquityUpdated');
    // 10000 + 0.5 × 61000 + 0.1 × (61000 − 60000) = 10000 + 30500 + 100 = 40600
    expect(eq?.data).toMatchObject({
      accountId: 'a1',
      currency: 'USDT',
      equity: '40600',
      unrealizedPnl: '100',
      stale: null,
      unpriced: [],
    });
    // Collateral: 10000 + 30500 × 0.95 (spec haircut on BTC) + 100 = 39075
    expect(eq?.data).toMatchObject({ collateral: '39075', haircuts: ['spec@1'] });
    expect(eq?.stream).toBe('balances-a1');
  });

  it('leaves an asset with no price out of equity, names it, and marks the equity stale (never zero, never 1)', () => {
    const t = new Tape();
    t.add('QuoteUpdated', quote('sim', BTC, '61000', T0), T0);
    const out = t.add(
      'AccountSnapshotReported',
      snapshot('a1', 'sim', T0, [
        ['USDT', '100'],
        ['USDC', '50'],
        ['XYZ', '7'],
      ]),
      T0,
    );
    const eq = out.find((o) => o.type === 'AccountEquityUpdated');
    expect(eq?.data).toMatchObject({ equity: '100', unpriced: ['USDC', 'XYZ'] });
    expect(eq?.data.stale).toContain('no price for USDC, XYZ');
    // A price arriving for USDC (a USDC/USDT quote) makes it fresh again at once.
    const next = t.add('QuoteUpdated', quote('sim', 'USDC/USDT', '0.9998', T0 + SEC), T0 + SEC);
    expect(next.find((o) => o.type === 'AccountEquityUpdated')?.data).toMatchObject({
      equity: '149.99',
      unpriced: ['XYZ'],
    });
  });

  it('prices a declared rate only when the operator declares it', () => {
    const t = new Tape(settings({ fixedRates: { USDC: '1' } }));
    const out = t.add(
      'AccountSnapshotReported',
      snapshot('a1', 'sim', T0, [
        ['USDT', '100'],
        ['USDC', '50'],
      ]),
      T0,
    );
    expect(out[0]?.data).toMatchObject({ equity: '150', stale: null });
  });

  it('records equity past the deadband, on a heartbeat, and not in between', () => {
    const t = new Tape(settings({ deadband: new Decimal('0.001'), heartbeatMs: 60 * SEC }));
    t.add('QuoteUpdated', quote('sim', BTC, '50000', T0), T0);
    t.add(
      'AccountSnapshotReported',
      snapshot('a1', 'sim', T0, [
        ['USDT', '0'],
        ['BTC', '1'],
      ]),
      T0,
    );
    expect(t.of('AccountEquityUpdated')).toHaveLength(1);
    // 50000 → 50040: 0.08 % < 0.1 %: nothing.
    expect(t.add('QuoteUpdated', quote('sim', BTC, '50040', T0 + SEC), T0 + SEC)).toEqual([]);
    // 50000 → 50060: 0.12 % > 0.1 %: recorded.
    t.add('QuoteUpdated', quote('sim', BTC, '50060', T0 + 2 * SEC), T0 + 2 * SEC);
    expect(t.of('AccountEquityUpdated').map((o) => o.data.equity)).toEqual(['50000', '50060']);
    // Unchanged for a minute: a heartbeat.
    t.add('QuoteUpdated', quote('sim', BTC, '50061', T0 + 62 * SEC), T0 + 62 * SEC);
    expect(t.of('AccountEquityUpdated').map((o) => o.data.equity)).toEqual(['50000', '50060', '50061']);
  });

  it('keeps the last good snapshot after a rejection, flags it stale, and clears the flag on the next good one', () => {
    const t = new Tape(settings({ fixedRates: {} }));
    t.add('AccountSnapshotReported', snapshot('a1', 'sim', T0, [['USDT', '1000']]), T0);
    const out = t.add(
      'AccountSnapshotRejected',
      {
        accountId: 'a1',
        venue: 'sim',
        model: 'sim',
        path: 'account.balances[0].total',
        value: '"NaN"',
        reason: 'is not a decimal',
        receivedAt: new Date(T0 + SEC).toISOString(),
      },
      T0 + SEC,
    );
    expect(out[0]?.data).toMatchObject({ equity: '1000' });
    expect((out[0]?.data as EventData<'AccountEquityUpdated'>).stale).toContain('account.balances[0].total');
    const good = t.add(
      'AccountSnapshotReported',
      snapshot('a1', 'sim', T0 + 2 * SEC, [['USDT', '1001']]),
      T0 + 2 * SEC,
    );
    expect(good[0]?.data).toMatchObject({ equity: '1001', stale: null });
  });

  it('marks an account stale when its venue snapshot is overdue', () => {
    const t = new Tape(settings({ staleAfterMs: 180 * SEC }));
    t.add('QuoteUpdated', quote('sim', BTC, '50000', T0), T0);
    t.add('AccountSnapshotReported', snapshot('a1', 'sim', T0, [['BTC', '1']]), T0);
    t.add('QuoteUpdated', quote('sim', BTC, '50000', T0 + 181 * SEC), T0 + 181 * SEC);
    const last = t.of('AccountEquityUpdated').at(-1);
    expect(last?.data.stale).toContain(`no account snapshot since ${new Date(T0).toISOString()}`);
  });

  it('values a position Keel does not list at the venue’s own mark and reported PnL', () => {
    const t = new Tape();
    const out = t.add(
      'AccountSnapshotReported',
      snapshot(
        'a1',
        'hl',
        T0,
        [['USDT', '10']],
        [{ instrument: null, qty: '0.13', entry: '80.262', mark: '80.114', upnl: '-0.01924' }],
      ),
      T0,
    );
    expect(out[0]?.data).toMatchObject({ equity: '9.98076', unrealizedPnl: '-0.01924', stale: null });
  });

  it('sums the portfolio with a breakdown per account and per venue', () => {
    const t = new Tape();
    t.add('QuoteUpdated', quote('sim', BTC, '50000', T0), T0);
    t.add('AccountSnapshotReported', snapshot('a1', 'sim', T0, [['USDT', '100']]), T0);
    t.add(
      'AccountSnapshotReported',
      snapshot('a2', 'okx', T0, [
        ['USDT', '200'],
        ['BTC', '0.01'],
      ]),
      T0,
    );
    const p = t.of('PortfolioValued').at(-1);
    // a2: 200 + 0.01 × 50000 (priced at another venue: its own has no BTC quote) = 700
    expect(p?.data).toEqual({
      currency: 'USDT',
      total: '800',
      asOf: new Date(T0).toISOString(),
      accounts: [
        { accountId: 'a1', venue: 'sim', equity: '100', stale: false },
        { accountId: 'a2', venue: 'okx', equity: '700', stale: false },
      ],
      venues: [
        { venue: 'okx', equity: '700' },
        { venue: 'sim', equity: '100' },
      ],
      staleAccounts: [],
    });
  });
});

describe('balances fold: position drift', () => {
  const fill = (qty: string, side: 'buy' | 'sell'): EventData<'OrderFilled'> => ({
    accountId: 'a1',
    instrument: BTC,
    clientOrderId: 'c1',
    tradeId: `t-${qty}-${side}`,
    side,
    qty,
    price: '50000',
    fee: '0',
    feeAsset: 'USDT',
    liquidity: 'taker',
  });

  it('seeds from the first report, adds fills in base units (contracts × contract size), and alerts after the grace', () => {
    const t = new Tape(settings({ driftGraceMs: 15 * SEC }));
    t.add(
      'InstrumentsListed',
      {
        venue: 'okx',
        accountIds: ['a1'],
        instruments: [
          {
            venue: 'okx',
            venueSymbol: 'BTC-USDT-SWAP',
            symbol: BTC,
            kind: 'perpetual',
            base: 'BTC',
            quote: 'USDT',
            settle: 'USDT',
            tickSize: '0.1',
            lotSize: '1',
            minQty: '1',
            minNotional: '0',
            contractSize: '0.01',
            settlement: null,
            expiry: null,
            makerFee: '0.0002',
            takerFee: '0.0005',
          },
        ],
      },
      T0,
    );
    const snap = (qty: string, at: number) =>
      t.add(
        'AccountSnapshotReported',
        {
          ...snapshot('a1', 'okx', at, [['USDT', '1000']], [{ instrument: BTC, qty, entry: '50000' }]),
          model: 'okx',
        },
        at,
      );
    snap('0.05', T0);
    t.add('OrderFilled', fill('10', 'buy'), T0 + SEC); // 10 contracts × 0.01 = 0.1 BTC
    snap('0.15', T0 + 2 * SEC); // agrees: 0.05 + 0.1
    expect(t.of('PositionDriftDetected')).toEqual([]);
    t.add('OrderFilled', fill('5', 'sell'), T0 + 3 * SEC); // implied 0.1; the venue still says 0.15
    snap('0.15', T0 + 4 * SEC); // within the grace: nothing yet
    expect(t.of('PositionDriftDetected')).toEqual([]);
    snap('0.15', T0 + 20 * SEC);
    expect(t.of('PositionDriftDetected').map((o) => o.data)).toEqual([
      {
        accountId: 'a1',
        venue: 'okx',
        instrument: BTC,
        venueQty: '0.15',
        impliedQty: '0.1',
        since: new Date(T0 + 4 * SEC).toISOString(),
        resolved: false,
      },
    ]);
    snap('0.15', T0 + 40 * SEC); // same figures: not again
    expect(t.of('PositionDriftDetected')).toHaveLength(1);
    snap('0.1', T0 + 60 * SEC);
    expect(t.of('PositionDriftDetected').at(-1)?.data).toMatchObject({
      resolved: true,
      venueQty: '0.1',
      impliedQty: '0.1',
    });
  });
});

describe('balances fold: determinism', () => {
  it('derives the same events from the same log (a replay is the live run)', () => {
    const run = () => {
      const t = new Tape();
      t.add('QuoteUpdated', quote('sim', BTC, '50000', T0), T0);
      t.add(
        'AccountSnapshotReported',
        snapshot('a1', 'sim', T0, [
          ['BTC', '1'],
          ['USDT', '5'],
        ]),
        T0,
      );
      for (let i = 1; i < 50; i++)
        t.add('QuoteUpdated', quote('sim', BTC, String(50000 + i * 37), T0 + i * SEC), T0 + i * SEC);
      return JSON.stringify(t.all);
    };
    expect(run()).toBe(run());
    expect(JSON.parse(run()).length).toBeGreaterThan(3);
  });
});

describe('balances settings', () => {
  it('reads a document and fills defaults', () => {
    const c = parseBalancesConfig({
      reportingCurrency: 'USD',
      fixedRates: { USDT: '1' },
      collateralRatios: { a1: { BTC: '0.9' } },
    });
    expect(E.isRight(c) && c.right.reportingCurrency).toBe('USD');
    expect(E.isRight(c) && c.right.collateralRatios['a1']?.['BTC']).toBe('0.9');
    expect(E.isRight(c) && c.right.heartbeatMs).toBe(60_000);
  });

  it.each([
    [{ deadband: '2' }, '/deadband', '2'],
    [{ heartbeatMs: -5 }, '/heartbeatMs', -5],
    [{ fixedRates: { USDC: 'one' } }, '/fixedRates/USDC', 'one'],
    [{ collateralRatios: { a1: { BTC: '1.5' } } }, '/collateralRatios/a1/BTC', '1.5'],
    [{ reportingCurrency: 'US D' }, '/reportingCurrency', 'US D'],
    [{ deadbnad: '0.1' }, '/deadbnad', '0.1'],
  ])('refuses %j naming %s', (doc, path, value) => {
    const c = parseBalancesConfig(doc);
    expect(E.isLeft(c) && c.left).toMatchObject({ path, value });
  });
});
