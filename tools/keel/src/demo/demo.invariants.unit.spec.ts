/**
 * The paper session's invariants, on small folded logs and on fake hosted venues (only what an
 * invariant reads of a venue: its account, the placements it counted, its fills, its positions).
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import type { Fill, Position } from '@keel/venue-domain';
import type { SimulatedVenue } from '@keel/venue-sim';
import type { DemoVenue } from './demo.plan';
import type { HostedVenue } from './demo.venues';
import {
  cmeSessionInvariant,
  deliveryInvariant,
  fillsOnceInvariant,
  noDoublePlacementInvariant,
  pnlInvariant,
  positionsInvariant,
  targetsInvariant,
} from './demo.invariants';
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

const fill = (tradeId: string): Fill => ({
  symbol: BTC,
  tradeId,
  clientOrderId: `c${tradeId}`,
  venueOrderId: `v${tradeId}`,
  side: 'buy',
  qty: new Decimal('0.1'),
  price: new Decimal('90000'),
  fee: new Decimal(0),
  feeAsset: 'USDT',
  liquidity: 'taker',
  ts: T0,
});

const hosted = (
  accountId: string,
  o: {
    placements?: Record<string, number>;
    fills?: readonly string[];
    positions?: E.Either<unknown, readonly Position[]>;
  } = {},
): HostedVenue => ({
  plan: { accountId } as DemoVenue,
  venue: {
    fetchPositions: () => async () => o.positions ?? E.right([]),
  } as unknown as SimulatedVenue,
  url: 'http://127.0.0.1:0',
  placements: new Map(Object.entries(o.placements ?? {})),
  fills: () => (o.fills ?? []).map(fill),
});

describe('targetsInvariant', () => {
  const listed = (log: ReturnType<typeof createLog>) =>
    log.append(
      0,
      'InstrumentsListed',
      instrumentsListed('binanceusdm-sim', 'paper-binance', [{ symbol: BTC, lotSize: '0.001' }]),
    );

  it('passes a position within a lot of its target', () => {
    const log = createLog();
    listed(log);
    log.append(1_000, 'TargetPositionSet', targetSet('paper-binance', BTC, '0.5'));
    log.append(2_000, 'OrderFilled', orderFilled('paper-binance', BTC, 'buy', '0.4995', '90000', 't1'));
    expect(targetsInvariant(log.into())).toEqual({
      name: 'every target reached or withheld with a reason',
      pass: true,
      detail: '1 reached, 0 not reached with a recorded reason',
    });
  });

  it('fails a position a whole lot short with no reason, naming the account and instrument', () => {
    const log = createLog();
    listed(log);
    log.append(1_000, 'TargetPositionSet', targetSet('paper-binance', BTC, '0.5'));
    log.append(2_000, 'OrderFilled', orderFilled('paper-binance', BTC, 'buy', '0.499', '90000', 't1'));
    expect(targetsInvariant(log.into())).toEqual(
      expect.objectContaining({
        pass: false,
        detail: `not reached and not explained: paper-binance ${BTC}: target 0.5 at position 0.499, no reason recorded`,
      }),
    );
  });

  it('needs the exact target without listed rules (no lot known)', () => {
    const log = createLog();
    log.append(1_000, 'TargetPositionSet', targetSet('paper-okx', ETH, '2'));
    log.append(2_000, 'OrderFilled', orderFilled('paper-okx', ETH, 'buy', '1.9999', '3000', 't1'));
    const r = targetsInvariant(log.into());
    expect(r.pass).toBe(false);
    expect(r.detail).toContain(`paper-okx ${ETH}: target 2 at position 1.9999`);
  });

  it('passes a target not reached when the log says why after it was set, and lists the reason', () => {
    const log = createLog();
    log.append(1_000, 'TargetPositionSet', targetSet('paper-okx', ETH, '2'));
    log.append(2_000, 'OrderFilled', orderFilled('paper-okx', ETH, 'buy', '0.5', '3000', 't1'));
    log.append(3_000, 'TargetWithheld', {
      accountId: 'paper-okx',
      instrument: ETH,
      code: 'riskReduceOnly',
      wantedQty: '2',
      detail: 'drawdown 6 %',
    });
    expect(targetsInvariant(log.into())).toEqual(
      expect.objectContaining({
        pass: true,
        detail: `0 reached, 1 not reached with a recorded reason: paper-okx ${ETH}: TargetWithheld (riskReduceOnly: drawdown 6 %)`,
      }),
    );
  });

  it('does not take a reason recorded before the target as explaining it', () => {
    const log = createLog();
    log.append(500, 'TargetPositionSet', targetSet('paper-okx', ETH, '1'));
    log.append(1_000, 'KillSwitchEngaged', { scope: 'global', accountId: null, reason: 'drill' });
    log.append(2_000, 'TargetPositionSet', targetSet('paper-okx', ETH, '2'));
    log.append(3_000, 'OrderFilled', orderFilled('paper-okx', ETH, 'buy', '0.5', '3000', 't1'));
    // The first kill switch explains the first target, not the one set after it.
    expect(log.into().explanationsOf('paper-okx', ETH)).toHaveLength(1);
    expect(targetsInvariant(log.into()).pass).toBe(false);
    log.append(4_000, 'KillSwitchEngaged', { scope: 'global', accountId: null, reason: 'drill 2' });
    expect(targetsInvariant(log.into())).toEqual(
      expect.objectContaining({
        pass: true,
        detail: expect.stringContaining('KillSwitchEngaged (KillSwitchEngaged: drill 2)'),
      }),
    );
  });

  // The last parent order ended with a residual of 0.6 before the target was set again: a
  // lot/min-notional remainder of an order completed as filled is tolerated, a deadline's is not.
  it.each([
    ['filled', true, '1 reached, 0 not reached with a recorded reason'],
    [
      'deadline',
      false,
      `not reached and not explained: paper-okx ${ETH}: target 1 at position 0.4, no reason recorded`,
    ],
  ] as const)('a residual of a parent completed %s: pass %s', (reason, pass, detail) => {
    const log = createLog();
    log.append(0, 'TargetPositionSet', targetSet('paper-okx', ETH, '1'));
    log.append(100, 'ParentOrderStarted', parentStarted('p1', 'paper-okx', ETH, 'buy', '1', '3000'));
    log.append(200, 'ChildOrderFilled', childFilled('p1', 'paper-okx', ETH, '0.4', '3000', 'maker'));
    log.append(200, 'OrderFilled', orderFilled('paper-okx', ETH, 'buy', '0.4', '3000', 't1'));
    log.append(300, 'ParentOrderCompleted', parentCompleted('p1', 'paper-okx', ETH, reason, '0.4', '0.6'));
    log.append(400, 'TargetPositionSet', targetSet('paper-okx', ETH, '1'));
    expect(targetsInvariant(log.into())).toEqual(expect.objectContaining({ pass, detail }));
  });

  it('explains a target short after a deadline recorded after it, without counting it reached', () => {
    const log = createLog();
    log.append(0, 'TargetPositionSet', targetSet('paper-okx', ETH, '1'));
    log.append(100, 'ParentOrderStarted', parentStarted('p1', 'paper-okx', ETH, 'buy', '1', '3000'));
    log.append(200, 'OrderFilled', orderFilled('paper-okx', ETH, 'buy', '0.4', '3000', 't1'));
    log.append(
      300,
      'ParentOrderCompleted',
      parentCompleted('p1', 'paper-okx', ETH, 'deadline', '0.4', '0.6'),
    );
    expect(targetsInvariant(log.into()).detail).toBe(
      `0 reached, 1 not reached with a recorded reason: paper-okx ${ETH}: ParentOrderCompleted (deadline, residual 0.6)`,
    );
  });

  it('leaves CME roots to the contract targets', () => {
    const log = createLog();
    log.append(0, 'TargetPositionSet', targetSet('paper-cme', 'CME:ES', '3'));
    expect(targetsInvariant(log.into())).toEqual(
      expect.objectContaining({ pass: true, detail: '0 reached, 0 not reached with a recorded reason' }),
    );
  });
});

describe('noDoublePlacementInvariant', () => {
  it('passes when every client order id reached its venue once', () => {
    const r = noDoublePlacementInvariant([
      hosted('paper-binance', { placements: { a: 1, b: 1 } }),
      hosted('paper-okx', { placements: { a: 1 } }),
    ]);
    expect(r).toEqual({
      name: 'no client order id reached a venue twice',
      pass: true,
      detail: '3 client order ids, each placed once',
    });
  });

  it('fails on a client order id placed twice, naming the account and the count', () => {
    const r = noDoublePlacementInvariant([
      hosted('paper-binance', { placements: { a: 1 } }),
      hosted('paper-okx', { placements: { b: 1, c: 2 } }),
    ]);
    expect(r).toEqual(expect.objectContaining({ pass: false, detail: 'paper-okx c ×2' }));
  });
});

describe('fillsOnceInvariant', () => {
  const logged = (...fills: [string, string][]) => {
    const log = createLog();
    for (const [account, tradeId] of fills)
      log.append(1_000, 'OrderFilled', orderFilled(account, BTC, 'buy', '0.1', '90000', tradeId));
    return log.into();
  };

  it('passes when the log and the venues hold the same trade ids, each once', () => {
    const c = logged(['paper-binance', 't1'], ['paper-binance', 't2'], ['paper-okx', 't1']);
    const r = fillsOnceInvariant(c, [
      hosted('paper-binance', { fills: ['t1', 't2'] }),
      hosted('paper-okx', { fills: ['t1'] }),
    ]);
    expect(r).toEqual({
      name: 'every venue fill recorded exactly once',
      pass: true,
      detail: '3 venue fills, each recorded once',
    });
  });

  it('fails on a venue fill missing from the log', () => {
    const c = logged(['paper-binance', 't1']);
    const r = fillsOnceInvariant(c, [hosted('paper-binance', { fills: ['t1', 't2'] })]);
    expect(r).toEqual(expect.objectContaining({ pass: false, detail: 'paper-binance trade t2 recorded 0×' }));
  });

  it('fails on a venue fill recorded twice', () => {
    const c = logged(['paper-binance', 't1'], ['paper-binance', 't1']);
    const r = fillsOnceInvariant(c, [hosted('paper-binance', { fills: ['t1'] })]);
    expect(r).toEqual(expect.objectContaining({ pass: false, detail: 'paper-binance trade t1 recorded 2×' }));
  });

  it('fails on a logged fill the venue never made, also when another account’s venue made it', () => {
    const c = logged(['paper-binance', 't1'], ['paper-binance', 'x9'], ['paper-okx', 't7']);
    const r = fillsOnceInvariant(c, [
      hosted('paper-binance', { fills: ['t1', 't7'] }),
      hosted('paper-okx', { fills: [] }),
    ]);
    expect(r.pass).toBe(false);
    expect(r.detail).toBe(
      "paper-binance trade t7 recorded 0×; paper-binance trade x9 is not the venue's; paper-okx trade t7 is not the venue's",
    );
  });
});

describe('deliveryInvariant', () => {
  const CUT = 10_000; // after T0, as the log's times are
  const CUTOFF = T0 + CUT;
  const session = (
    instrument: string,
    settlement: 'cash' | 'physical' | null,
    fills: readonly [number, 'buy' | 'sell'][],
    endsAt = CUT + 60_000,
  ) => {
    const log = createLog();
    log.append(
      0,
      'InstrumentsListed',
      instrumentsListed('cme-sim', 'paper-cme', [
        { symbol: instrument, settlement, expiry: '2025-12-29', lotSize: '1' },
      ]),
    );
    fills.forEach(([at, side], i) =>
      log.append(at, 'OrderFilled', orderFilled('paper-cme', instrument, side, '2', '4000', `t${i}`)),
    );
    log.append(endsAt, 'PredictionReceived', {});
    return log.into();
  };
  const asked: [string, string | null][] = [];
  const cutoffOf = (instrument: string, expiry: string | null): number | null => {
    asked.push([instrument, expiry]);
    return CUTOFF;
  };

  it('fails a physically settled contract held past its cutoff, naming the account, contract and cutoff', () => {
    asked.length = 0;
    const r = deliveryInvariant(session('GCZ5', 'physical', [[1_000, 'buy']]), cutoffOf);
    expect(r).toEqual({
      name: 'no position in a physically settled contract past its cutoff',
      pass: false,
      detail: `paper-cme GCZ5 held past ${new Date(CUTOFF).toISOString()}`,
    });
    expect(asked).toEqual([['GCZ5', '2025-12-29']]);
  });

  it('fails one closed only after the cutoff, and one opened after it', () => {
    expect(
      deliveryInvariant(
        session('GCZ5', 'physical', [
          [1_000, 'buy'],
          [CUT + 1_000, 'sell'],
        ]),
        cutoffOf,
      ).pass,
    ).toBe(false);
    expect(deliveryInvariant(session('GCZ5', 'physical', [[CUT + 1_000, 'buy']]), cutoffOf).pass).toBe(false);
  });

  it('sees every fill, not the thinned series: 4 held across the cutoff between two kept points fail', () => {
    // With 1 s spacing the series drops the +4 at 9.5 s (replaced by the 0 at 10.1 s): the
    // exact positions do not.
    const r = deliveryInvariant(
      session('GCZ5', 'physical', [
        [7_000, 'buy'],
        [9_200, 'sell'],
        [9_500, 'buy'],
        [9_500, 'buy'],
        [CUT + 100, 'sell'],
        [CUT + 100, 'sell'],
      ]),
      cutoffOf,
    );
    expect(r.pass).toBe(false);
  });

  it('passes one closed before its cutoff', () => {
    const r = deliveryInvariant(
      session('GCZ5', 'physical', [
        [1_000, 'buy'],
        [5_000, 'sell'],
      ]),
      cutoffOf,
    );
    expect(r).toEqual(
      expect.objectContaining({
        pass: true,
        detail: '1 physically settled contract(s) traded, none held past its cutoff',
      }),
    );
  });

  it('passes one still held when the session ended before the cutoff', () => {
    expect(deliveryInvariant(session('GCZ5', 'physical', [[1_000, 'buy']], CUT - 1_000), cutoffOf).pass).toBe(
      true,
    );
  });

  it('passes a cash-settled contract held past the same instant, not asking for its cutoff', () => {
    asked.length = 0;
    const r = deliveryInvariant(session('MESZ5', 'cash', [[1_000, 'buy']]), cutoffOf);
    expect(r).toEqual(
      expect.objectContaining({ pass: true, detail: 'no physically settled contract was traded' }),
    );
    expect(asked).toEqual([]);
  });
});

describe('positionsInvariant', () => {
  const log = () => {
    const l = createLog();
    l.append(1_000, 'OrderFilled', orderFilled('paper-binance', BTC, 'buy', '0.3', '90000', 't1'));
    return l;
  };
  const at = (qty: string): E.Either<unknown, readonly Position[]> =>
    E.right([{ symbol: BTC, qty: new Decimal(qty), entryPrice: null }]);

  it('passes when the venue, the gateway’s last report and the fills agree', async () => {
    const l = log();
    l.append(2_000, 'PositionReported', {
      accountId: 'paper-binance',
      venue: 'binanceusdm-sim',
      positions: [{ instrument: BTC, qty: '0.3', entryPrice: '90000' }],
    });
    const r = await positionsInvariant(l.into(), [hosted('paper-binance', { positions: at('0.3') })]);
    expect(r).toEqual(
      expect.objectContaining({
        pass: true,
        detail: '1 (account, instrument) pairs: venue = last report = Σ fills',
      }),
    );
  });

  it('fails when the fills do not sum to the venue’s position, or the last report differs', async () => {
    const l = log();
    l.append(2_000, 'PositionReported', {
      accountId: 'paper-binance',
      venue: 'binanceusdm-sim',
      positions: [],
    });
    const r = await positionsInvariant(l.into(), [hosted('paper-binance', { positions: at('0.4') })]);
    expect(r.pass).toBe(false);
    expect(r.detail).toBe(
      `paper-binance ${BTC}: venue 0.4, Σ fills 0.3; paper-binance ${BTC}: gateway's last report 0, venue 0.4`,
    );
  });

  it('fails when a venue does not answer', async () => {
    const r = await positionsInvariant(log().into(), [
      hosted('paper-binance', { positions: E.left({ _tag: 'VenueTimeout' }) }),
    ]);
    expect(r).toEqual(
      expect.objectContaining({
        pass: false,
        detail: 'paper-binance: the venue did not answer: {"_tag":"VenueTimeout"}',
      }),
    );
  });
});

describe('pnlInvariant', () => {
  it('fails, naming the store, when the store cannot be opened', async () => {
    const r = await pnlInvariant('sqlite:/nonexistent/keel-demo-spec.db');
    expect(r.pass).toBe(false);
    expect(r.detail).toMatch(/^cannot open sqlite:\/nonexistent\/keel-demo-spec\.db: .*does not exist/);
  });
});

describe('cmeSessionInvariant', () => {
  const plan = {
    account: 'paper-cme',
    front: 'MESZ5',
    next: 'MESH6',
    close: T0 + 10_000,
    reopen: T0 + 20_000,
    forcedRoll: T0 + 30_000,
    rollDoneBy: T0 + 32_000,
  };
  const child = (at: number) =>
    [
      at,
      'ChildOrderRequested',
      { accountId: 'paper-cme', instrument: 'MESZ5', parentOrderId: `p${at}`, qty: '1', side: 'buy' },
    ] as const;
  const rolled = [
    35_000,
    'RollCompleted',
    { accountId: 'paper-cme', root: 'MES', fromContract: 'MESZ5', toContract: 'MESH6' },
  ] as const;
  const run = (events: readonly (readonly [number, string, Record<string, unknown>])[], end: number) => {
    const log = createLog();
    for (const [at, type, data] of events) log.append(at, type, data);
    return cmeSessionInvariant(log.into(), plan, T0 + end);
  };

  it('passes: orders before and after the break, the roll recorded', () => {
    const r = run([child(5_000), child(25_000), rolled], 40_000);
    expect(r.pass).toBe(true);
    expect(r.detail).toMatch(/rolled MESZ5 → MESH6 at /);
  });

  it('fails a child order requested during the break, naming when', () => {
    const r = run([child(5_000), child(15_000), rolled], 40_000);
    expect(r.pass).toBe(false);
    expect(r.detail).toContain(
      `1 child order(s) requested during the break, first at ${new Date(T0 + 15_000).toISOString()}`,
    );
  });

  it("fails a session that went past the roll's end with no roll recorded; passes one that ended before", () => {
    expect(run([child(5_000)], 40_000).pass).toBe(false);
    expect(run([child(5_000)], 31_000)).toEqual(
      expect.objectContaining({
        pass: true,
        detail: expect.stringContaining('ended before the forced roll'),
      }),
    );
  });
});
