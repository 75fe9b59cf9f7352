/**
 * Golden scenarios for the units of PnL (pnl.ledger.ts, "Units"): contract sizes, fees and
 * funding in other assets, marking by the account's own venue, and a log from before all that
 * folding as it always did. Each scenario runs the live fold (`evolvePnl`, the PnlUpdated
 * figures) and both backfill folds (decimal.js reference and fixed-point), which must give the
 * same rows. Expected figures are worked by hand in the comments.
 */
import { createBackfill, IntervalRow } from './pnl.interval';
import { createFastBackfill } from './pnl.fast';
import { emptyLedger, evolvePnl, ListedInstrument, PnlCheckpoint, PnlInput, PnlLedger } from './pnl.ledger';

const BTC = 'BTC/USDT:USDT';
let pos = 0;
const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

const listing = (
  s: number,
  venue: string,
  accountIds: string[],
  instruments: ListedInstrument[],
): PnlInput => ({
  type: 'listing',
  position: ++pos,
  ts: at(s),
  venue,
  accountIds,
  instruments,
});
const quote = (s: number, venue: string, instrument: string, bid: string, ask: string): PnlInput => ({
  type: 'quote',
  position: ++pos,
  ts: at(s),
  venue,
  instrument,
  bid,
  ask,
});
const fill = (
  s: number,
  accountId: string,
  instrument: string,
  side: 'buy' | 'sell',
  qty: string,
  price: string,
  fee = '0',
  feeAsset = 'USDT',
): PnlInput => ({
  type: 'fill',
  position: ++pos,
  ts: at(s),
  accountId,
  instrument,
  side,
  qty,
  price,
  fee,
  feeAsset,
});
const funding = (
  s: number,
  accountId: string,
  instrument: string,
  amount: string,
  asset: string,
): PnlInput => ({
  type: 'funding',
  position: ++pos,
  ts: at(s),
  accountId,
  instrument,
  amount,
  asset,
});

/** The live fold: every checkpoint, and the ledger at the end. */
const live = (inputs: readonly PnlInput[]): { checkpoints: PnlCheckpoint[]; ledger: PnlLedger } => {
  let ledger = emptyLedger();
  const checkpoints: PnlCheckpoint[] = [];
  for (const i of inputs) {
    const r = evolvePnl(ledger, i);
    ledger = r.ledger;
    checkpoints.push(...r.checkpoints);
  }
  return { checkpoints, ledger };
};

/** One-hour rows of both backfill folds (required equal), and the backfill's checkpoints (required equal to the live ones). */
const backfill = (inputs: readonly PnlInput[]): IntervalRow[] => {
  const ref: IntervalRow[] = [];
  const fast: IntervalRow[] = [];
  const cps: PnlCheckpoint[] = [];
  const r = createBackfill({
    intervalMs: 3_600_000,
    onRow: (x) => ref.push(x),
    onCheckpoint: (c) => cps.push(c),
  });
  const f = createFastBackfill({ intervalMs: 3_600_000, onRow: (x) => fast.push(x) });
  for (const i of inputs) {
    r.push(i);
    f.push(i);
  }
  r.finish();
  f.finish();
  expect(fast).toEqual(ref);
  expect(cps).toEqual(live(inputs).checkpoints);
  return ref;
};

const last = (cps: readonly PnlCheckpoint[]): PnlCheckpoint => cps[cps.length - 1]!;
const row = (rows: readonly IntervalRow[], accountId: string, instrument: string): IntervalRow =>
  rows.find((r) => r.accountId === accountId && r.instrument === instrument)!;

describe('OKX swap: fills in contracts of 0.01 BTC', () => {
  const okx = (): PnlInput[] => [
    listing(0, 'okx', ['o1'], [{ symbol: BTC, contractSize: '0.01', settle: 'USDT' }]),
    quote(1, 'okx', BTC, '89999', '90001'),
    fill(2, 'o1', BTC, 'buy', '10', '90000'),
    // mid 90,500: unrealized 10 × 0.01 × (90,500 − 90,000) = 50 (not 5,000)
    quote(3, 'okx', BTC, '90499', '90501'),
    // realized 10 × 0.01 × (91,000 − 90,000) = 100 (the old fold booked 10,000)
    fill(4, 'o1', BTC, 'sell', '10', '91000'),
  ];

  it('books 10 × 0.01 × price move, realized and unrealized', () => {
    const inputs = okx();
    const { checkpoints } = live(inputs);
    expect(checkpoints.map((c) => [c.trigger, c.realizedPnl, c.unrealizedPnl, c.contractSize])).toEqual([
      ['fill', '0', '0', '0.01'], // marked at 90,000 (mid of 89,999 / 90,001): no move yet
      ['fill', '100', '0', '0.01'],
    ]);
    const rows = backfill(inputs);
    expect(row(rows, 'o1', BTC)).toMatchObject({ position: '0', realizedPnl: '100', netPnl: '100' });
  });

  it('marks an open position at 10 × 0.01 × (mark − cost)', () => {
    const inputs = okx().slice(0, 4);
    const rows = backfill(inputs);
    // held at 90,000 from 00:00:02 to 00:00:03, then at 90,500 to the hour's end:
    expect(row(rows, 'o1', BTC)).toMatchObject({
      position: '10',
      mark: '90500',
      unrealizedPnl: '50',
      netPnl: '50',
    });
  });
});

describe('CME: ES, multiplier 50 (from the venue listing)', () => {
  const ES = 'ESH6';
  it('books 2 lots × 50 × 10.5 points = 1,050 USD, fees in USD as they are', () => {
    const inputs = [
      listing(0, 'cme-sim', ['c1'], [{ symbol: ES, contractSize: '50', settle: 'USD' }]),
      quote(1, 'cme-sim', ES, '6000', '6000.5'),
      fill(2, 'c1', ES, 'buy', '2', '6000.25', '4.5', 'USD'),
      // mid 6,005.25: unrealized 2 × 50 × 5 = 500
      quote(3, 'cme-sim', ES, '6005', '6005.5'),
      // realized 2 × 50 × (6,010.75 − 6,000.25) = 1,050; fees 4.5 + 4.5 = 9; net 1,041
      fill(4, 'c1', ES, 'sell', '2', '6010.75', '4.5', 'USD'),
    ];
    const { checkpoints } = live(inputs);
    expect(last(checkpoints)).toMatchObject({
      realizedPnl: '1050',
      fees: '9',
      netPnl: '1041',
      contractSize: '50',
    });
    backfill(inputs);
    // before the sell: 500 unrealized, 4.5 fees
    expect(backfill(inputs.slice(0, 4)).find((r) => r.instrument === ES)).toMatchObject({
      unrealizedPnl: '500',
      netPnl: '495.5',
    });
  });
});

describe('fees and funding in another asset', () => {
  const listed = listing(0, 'binanceusdm', ['b1'], [{ symbol: BTC, contractSize: '1', settle: 'USDT' }]);

  it('converts a BNB fee at the BNB/USDT mid of its time on the same venue', () => {
    const inputs = [
      listed,
      quote(1, 'binanceusdm', 'BNB/USDT', '599', '601'), // BNB at 600
      fill(2, 'b1', BTC, 'buy', '0.1', '100000', '0.001', 'BNB'), // 0.001 × 600 = 0.6 USDT
      quote(3, 'binanceusdm', 'BNB/USDT', '699', '701'), // BNB at 700
      fill(4, 'b1', BTC, 'sell', '0.1', '100000', '0.001', 'BNB'), // 0.001 × 700 = 0.7 USDT
    ];
    const { checkpoints } = live(inputs);
    expect(checkpoints.map((c) => [c.fees, c.netPnl, c.unconvertedFees])).toEqual([
      ['0.6', '-0.6', {}],
      ['1.3', '-1.3', {}],
    ]);
    expect(row(backfill(inputs), 'b1', BTC)).toMatchObject({ fees: '1.3', unconvertedFees: '' });
  });

  it('keeps a fee in an asset with no known price apart, per asset: never valued at 0 or 1', () => {
    const inputs = [
      listed,
      // BNB is quoted, but only on another venue: not this account's mark
      quote(1, 'okx', 'BNB/USDT', '599', '601'),
      fill(2, 'b1', BTC, 'buy', '0.1', '100000', '0.5', 'XYZ'),
      fill(3, 'b1', BTC, 'buy', '0.1', '100000', '0.25', 'XYZ'),
      fill(4, 'b1', BTC, 'buy', '0.1', '100000', '0.001', 'BNB'),
      fill(5, 'b1', BTC, 'buy', '0.1', '100000', '0.1', 'USDT'),
    ];
    const c = last(live(inputs).checkpoints);
    // fees: only the 0.1 USDT; XYZ 0.5 + 0.25 = 0.75 and BNB 0.001 kept apart, not in net
    expect(c).toMatchObject({ fees: '0.1', netPnl: '-0.1', unconvertedFees: { BNB: '0.001', XYZ: '0.75' } });
    const rows = backfill(inputs);
    expect(row(rows, 'b1', BTC)).toMatchObject({ fees: '0.1', unconvertedFees: 'BNB:0.001 XYZ:0.75' });
    expect(row(rows, 'b1', '*')).toMatchObject({ fees: '0.1', unconvertedFees: 'BNB:0.001 XYZ:0.75' });
  });

  it('books funding in the settle asset as it is, and in another asset at its mark', () => {
    const inputs = [
      listed,
      fill(1, 'b1', BTC, 'buy', '1', '100000'),
      funding(2, 'b1', BTC, '-1.25', 'USDT'), // −1.25
      funding(3, 'b1', BTC, '0.00001', 'BTC'), // no BTC/USDT quote yet: kept apart
      quote(4, 'binanceusdm', 'BTC/USDT', '99999', '100001'), // spot BTC at 100,000
      funding(5, 'b1', BTC, '0.00001', 'BTC'), // 0.00001 × 100,000 = 1
    ];
    const cps = live(inputs).checkpoints;
    expect(cps.map((c) => [c.trigger, c.funding, c.netPnl, c.unconvertedFunding])).toEqual([
      ['fill', '0', '0', {}],
      ['funding', '-1.25', '-1.25', {}],
      ['funding', '-1.25', '-1.25', { BTC: '0.00001' }],
      ['funding', '-0.25', '-0.25', { BTC: '0.00001' }],
    ]);
    expect(row(backfill(inputs), 'b1', BTC)).toMatchObject({
      funding: '-0.25',
      unconvertedFunding: 'BTC:0.00001',
    });
  });
});

describe('marking by the account’s own venue', () => {
  it('a long on binanceusdm is marked by binanceusdm, not by OKX quoting the same symbol', () => {
    const inputs = [
      listing(0, 'binanceusdm', ['b1'], [{ symbol: BTC, contractSize: '1', settle: 'USDT' }]),
      listing(0, 'okx', ['o1'], [{ symbol: BTC, contractSize: '0.01', settle: 'USDT' }]),
      quote(1, 'okx', BTC, '199', '201'), // okx mid 200, first to quote the symbol
      quote(2, 'binanceusdm', BTC, '99', '101'), // binance mid 100
      fill(3, 'b1', BTC, 'buy', '1', '100'),
      quote(4, 'okx', BTC, '219', '221'), // okx mid 220: the old fold marked b1 here (+120)
      // a new minute of OKX quotes checkpoints OKX-marked books only (b1 is not one)
      quote(61, 'okx', BTC, '209', '211'),
      // a new minute of binance quotes re-marks b1: mid 110, unrealized 1 × 1 × 10 = 10
      quote(62, 'binanceusdm', BTC, '109', '111'),
    ];
    const cps = live(inputs).checkpoints;
    expect(cps.map((c) => [c.trigger, c.accountId, c.mark, c.unrealizedPnl])).toEqual([
      ['fill', 'b1', '100', '0'],
      ['interval', 'b1', '110', '10'],
    ]);
    // the hour's time-weighted average sees only binance marks: 0 from 00:00:03 to 00:01:02
    // (59 s), then 10 to 01:00:00 (3,538 s): 10 × 3,538 / 3,600 = 9.82777777(7…) → 9.82777778
    expect(row(backfill(inputs), 'b1', BTC)).toMatchObject({
      mark: '110',
      unrealizedPnl: '10',
      avgUnrealizedPnl: '9.82777778',
    });
  });
});

describe('a log from before the units (no listing, fees in the settle asset)', () => {
  it('folds to the figures of the old method', () => {
    const inputs = [
      quote(1, 'binanceusdm', BTC, '99', '101'),
      fill(2, 'a', BTC, 'buy', '2', '100', '0.1', 'USDT'),
      // mid 105: unrealized 2 × (105 − 100) = 10; net 10 − 0.1 = 9.9
      quote(3, 'binanceusdm', BTC, '104', '106'),
      // realized (110 − 100) × 1 = 10; fees 0.15; unrealized 1 × (105 − 100) = 5; net 14.85
      fill(4, 'a', BTC, 'sell', '1', '110', '0.05', 'USDT'),
      funding(5, 'a', BTC, '0.5', 'USDT'), // net 15.35
    ];
    const cps = live(inputs).checkpoints;
    expect(
      cps.map((c) => [c.realizedPnl, c.unrealizedPnl, c.fees, c.funding, c.netPnl, c.contractSize]),
    ).toEqual([
      ['0', '0', '0.1', '0', '-0.1', '1'],
      ['10', '5', '0.15', '0', '14.85', '1'],
      ['10', '5', '0.15', '0.5', '15.35', '1'],
    ]);
    expect(row(backfill(inputs), 'a', BTC)).toMatchObject({ netPnl: '15.35', unconvertedFees: '' });
  });

  it('marks an account no venue listed by the first venue that quoted the symbol', () => {
    const inputs = [
      fill(1, 'a', BTC, 'buy', '1', '100'), // before any quote: no mark
      quote(2, 'binanceusdm', BTC, '119', '121'), // the symbol's first venue: mid 120
      quote(3, 'okx', BTC, '299', '301'),
    ];
    const rows = backfill(inputs);
    expect(row(rows, 'a', BTC)).toMatchObject({ mark: '120', unrealizedPnl: '20' });
  });
});
