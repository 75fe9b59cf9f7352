/**
 * The paper session's fold of the event log: positions from the gateways' fills, trade ids as
 * recorded, parent orders with their execution figures, the explanations a kill switch leaves
 * on every (account, instrument), and the down-sampled series the report draws.
 */
import { DemoCollector, Series } from './demo.collect';
import {
  childFilled,
  createLog,
  instrumentsListed,
  orderFilled,
  parentCompleted,
  parentStarted,
  T0,
  targetSet,
} from './testing/demo-events.fixture';

const BTC = 'BTC/USDT:USDT';
const ETH = 'ETH/USDT:USDT';

describe('DemoCollector: fills', () => {
  it('sums OrderFilled into a position per (account, instrument), sells negative', () => {
    const log = createLog();
    log.append(1_000, 'OrderFilled', orderFilled('paper-binance', BTC, 'buy', '0.5', '90000', 't1'));
    log.append(2_000, 'OrderFilled', orderFilled('paper-binance', BTC, 'sell', '0.2', '90100', 't2'));
    log.append(3_000, 'OrderFilled', orderFilled('paper-binance', ETH, 'sell', '3', '3000', 't3'));
    log.append(4_000, 'OrderFilled', orderFilled('paper-okx', BTC, 'buy', '0.25', '90050', 't4'));
    const c = log.into();

    expect(c.positionOf('paper-binance', BTC).toString()).toBe('0.3');
    expect(c.positionOf('paper-binance', ETH).toString()).toBe('-3');
    expect(c.positionOf('paper-okx', BTC).toString()).toBe('0.25');
    expect(c.positionOf('paper-okx', ETH).toString()).toBe('0');
    expect(c.fills).toBe(4);
    expect(c.keys()).toEqual([
      ['paper-binance', BTC],
      ['paper-binance', ETH],
      ['paper-okx', BTC],
    ]);
    expect(c.positions()[0]).toEqual({
      account: 'paper-binance',
      instrument: BTC,
      position: [
        [T0 + 1_000, '0.5'],
        [T0 + 2_000, '0.3'],
      ],
      target: [],
    });
    expect(c.position).toBe(log.events[3]?.globalPosition);
    expect(c.lastAt).toBe(T0 + 4_000);
  });

  it('counts a trade id recorded twice as twice (the fills-once invariant reads it)', () => {
    const log = createLog();
    log.append(1_000, 'OrderFilled', orderFilled('paper-binance', BTC, 'buy', '0.1', '90000', 'dup'));
    log.append(2_000, 'OrderFilled', orderFilled('paper-binance', BTC, 'buy', '0.1', '90000', 'dup'));
    log.append(3_000, 'OrderFilled', orderFilled('paper-binance', BTC, 'buy', '0.1', '90000', 'once'));
    log.append(4_000, 'OrderFilled', orderFilled('paper-okx', BTC, 'buy', '0.1', '90000', 'dup'));
    const c = log.into();

    expect(c.tradeIds.get('paper-binance')).toEqual(
      new Map([
        ['dup', 2],
        ['once', 1],
      ]),
    );
    expect(c.tradeIds.get('paper-okx')).toEqual(new Map([['dup', 1]]));
    // The fold is naive on purpose: the duplicate moves the position, as it would a projection.
    expect(c.positionOf('paper-binance', BTC).toString()).toBe('0.3');
  });

  it('weighs the maker share by notional in quote currency, with the listed contract size', () => {
    const log = createLog();
    log.append(
      0,
      'InstrumentsListed',
      instrumentsListed('okx-sim', 'paper-okx', [{ symbol: BTC, contractSize: '0.01' }]),
    );
    // OKX: 10 contracts × 0.01 BTC × 100000 = 10000 USDT maker; Binance: 0.3 BTC × 100000 = 30000 taker.
    log.append(
      1_000,
      'OrderFilled',
      orderFilled('paper-okx', BTC, 'buy', '10', '100000', 'o1', { liquidity: 'maker', fee: '-0.5' }),
    );
    log.append(
      2_000,
      'OrderFilled',
      orderFilled('paper-binance', BTC, 'buy', '0.3', '100000', 'b1', { fee: '12' }),
    );
    const c = log.into();

    expect(c.makerShare()).toBe(0.25);
    expect(c.fees.get('USDT')?.toString()).toBe('11.5');
    expect(new DemoCollector(1_000).makerShare()).toBeNull();
  });
});

describe('DemoCollector: parent orders', () => {
  const run = (
    side: 'buy' | 'sell',
    fills: readonly [string, string, 'maker' | 'taker'][],
    arrival: string | null = '100',
  ) => {
    const log = createLog();
    log.append(0, 'ParentOrderStarted', parentStarted('p1', 'paper-binance', ETH, side, '2', arrival));
    fills.forEach(([qty, price, liquidity], i) => {
      log.append(100 + i, 'ChildOrderRequested', {
        accountId: 'paper-binance',
        instrument: ETH,
        parentOrderId: 'p1',
      });
      log.append(
        1_000 + i,
        'ChildOrderFilled',
        childFilled('p1', 'paper-binance', ETH, qty, price, liquidity, '0.01'),
      );
    });
    log.append(
      5_000,
      'ParentOrderCompleted',
      parentCompleted('p1', 'paper-binance', ETH, 'filled', '2', '0'),
    );
    return log.into();
  };

  it('reports a buy’s average price, maker share and fees; paying above arrival is positive slippage', () => {
    const c = run('buy', [
      ['1.5', '100.5', 'maker'],
      ['0.5', '101.5', 'taker'],
    ]);
    // avg = (1.5 × 100.5 + 0.5 × 101.5) / 2 = 100.75: 75 bps above the arrival mid of 100.
    expect(c.parentOrders()).toEqual([
      {
        id: 'p1',
        account: 'paper-binance',
        instrument: ETH,
        side: 'buy',
        qty: '2',
        filled: '2',
        state: 'filled',
        startedAt: T0,
        endedAt: T0 + 5_000,
        avgPrice: '100.75',
        arrivalPrice: '100',
        slippageBps: 75,
        makerShare: 0.75,
        children: 2,
        fees: '0.02',
      },
    ]);
    expect(c.working.size).toBe(0);
    expect(c.childOrders).toBe(2);
  });

  it('reverses the sign for a sell: selling below arrival costs (positive), above earns (negative)', () => {
    expect(run('sell', [['2', '99', 'taker']]).parentOrders()[0]?.slippageBps).toBe(100);
    expect(run('sell', [['2', '100.5', 'maker']]).parentOrders()[0]?.slippageBps).toBe(-50);
    expect(run('buy', [['2', '99.8', 'maker']]).parentOrders()[0]?.slippageBps).toBe(-20);
  });

  it('has no slippage without an arrival mid, and no average or maker share before a fill', () => {
    expect(run('buy', [['2', '101', 'maker']], null).parentOrders()[0]).toEqual(
      expect.objectContaining({ avgPrice: '101', arrivalPrice: null, slippageBps: null }),
    );
    const log = createLog();
    log.append(0, 'ParentOrderStarted', parentStarted('p2', 'paper-okx', BTC, 'buy', '1', '90000'));
    const c = log.into();
    expect(c.parentOrders()[0]).toEqual(
      expect.objectContaining({
        state: 'working',
        filled: '0',
        avgPrice: null,
        makerShare: null,
        slippageBps: null,
      }),
    );
    expect([...c.working]).toEqual(['p2']);
  });
});

describe('DemoCollector: explanations', () => {
  const known = () => {
    const log = createLog();
    log.append(0, 'TargetPositionSet', targetSet('paper-binance', BTC, '0.5'));
    log.append(1, 'TargetPositionSet', targetSet('paper-okx', BTC, '0.5'));
    log.append(2, 'OrderFilled', orderFilled('paper-okx', ETH, 'buy', '1', '3000', 'e1'));
    return log;
  };

  it('puts a global KillSwitchEngaged on every known (account, instrument)', () => {
    const log = known();
    const kill = log.append(10_000, 'KillSwitchEngaged', {
      scope: 'global',
      accountId: null,
      reason: 'operator drill',
    });
    const c = log.into();
    const fact = {
      at: T0 + 10_000,
      position: kill.globalPosition,
      type: 'KillSwitchEngaged',
      detail: 'KillSwitchEngaged: operator drill',
    };
    expect(c.explanationsOf('paper-binance', BTC)).toEqual([fact]);
    expect(c.explanationsOf('paper-okx', BTC)).toEqual([fact]);
    expect(c.explanationsOf('paper-okx', ETH)).toEqual([fact]);
    expect(c.explanationsOf('paper-binance', ETH)).toEqual([]); // neither a target nor a fill
  });

  it('puts an account’s kill switch on that account only', () => {
    const log = known();
    log.append(10_000, 'KillSwitchEngaged', { scope: 'account', accountId: 'paper-okx', reason: 'drawdown' });
    const c = log.into();
    expect(c.explanationsOf('paper-binance', BTC)).toEqual([]);
    expect(c.explanationsOf('paper-okx', BTC).map((f) => f.detail)).toEqual(['KillSwitchEngaged: drawdown']);
    expect(c.explanationsOf('paper-okx', ETH)).toHaveLength(1);
  });

  it('puts a withheld target without an account on every account with a target in the instrument', () => {
    const log = known();
    log.append(10_000, 'TargetWithheld', {
      accountId: null,
      instrument: BTC,
      code: 'priceStale',
      wantedQty: null,
      detail: 'no price for 3 s',
    });
    const c = log.into();
    expect(c.withheld).toBe(1);
    expect(c.explanationsOf('paper-binance', BTC).map((f) => f.detail)).toEqual([
      'priceStale: no price for 3 s',
    ]);
    expect(c.explanationsOf('paper-okx', BTC)).toHaveLength(1);
    expect(c.explanationsOf('paper-okx', ETH)).toEqual([]);
  });

  it('explains a parent order completed short of its target, not one completed filled', () => {
    const log = createLog();
    log.append(0, 'ParentOrderStarted', parentStarted('p1', 'paper-okx', BTC, 'buy', '1', '90000'));
    log.append(1_000, 'ParentOrderCompleted', parentCompleted('p1', 'paper-okx', BTC, 'filled', '1', '0'));
    log.append(2_000, 'ParentOrderStarted', parentStarted('p2', 'paper-okx', ETH, 'buy', '1', '3000'));
    log.append(
      3_000,
      'ParentOrderCompleted',
      parentCompleted('p2', 'paper-okx', ETH, 'deadline', '0.4', '0.6'),
    );
    const c = log.into();
    expect(c.explanationsOf('paper-okx', BTC)).toEqual([]);
    expect(c.explanationsOf('paper-okx', ETH).map((f) => [f.type, f.detail])).toEqual([
      ['ParentOrderCompleted', 'deadline, residual 0.6'],
    ]);
  });
});

describe('Series', () => {
  it('keeps points further apart than the spacing, and always ends on the latest value', () => {
    const s = new Series(1_000);
    s.add(0, '1');
    s.add(1_000, '2');
    s.add(2_500, '3');
    expect(s.points).toEqual([
      [0, '1'],
      [1_000, '2'],
      [2_500, '3'],
    ]);
    s.add(2_600, '4');
    s.add(2_700, '5');
    expect(s.points[s.points.length - 1]).toEqual([2_700, '5']);
    expect(s.last).toBe('5');
  });

  it('collapses a burst inside one window to its first and its latest point', () => {
    const s = new Series(1_000);
    for (let i = 0; i < 10; i++) s.add(i * 50, String(i));
    expect(s.points).toEqual([
      [0, '0'],
      [450, '9'],
    ]);
  });

  it('adds no point for an unchanged value', () => {
    const s = new Series(1_000);
    s.add(0, '7');
    s.add(5_000, '7');
    expect(s.points).toEqual([[0, '7']]);
  });

  it('stays bounded under a dense stream and keeps the latest', () => {
    const s = new Series(1_000);
    for (let t = 0; t <= 60_000; t += 10) s.add(t, String(t));
    // At most two points per spacing window (see the report: the doc promises one).
    expect(s.points.length).toBeLessThanOrEqual(2 * (60_000 / 1_000) + 2);
    expect(s.points[s.points.length - 1]).toEqual([60_000, '60000']);
    for (let i = 2; i < s.points.length; i++)
      expect((s.points[i]?.[0] ?? 0) - (s.points[i - 2]?.[0] ?? 0)).toBeGreaterThanOrEqual(1_000);
  });
});
