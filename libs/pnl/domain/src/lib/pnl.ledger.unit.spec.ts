import { emptyLedger, evolvePnl, PnlInput, PnlLedger } from './pnl.ledger';
import { isoMs } from './pnl.time';

const I = 'BTC/USDT:USDT';
let pos = 0;
const q = (ts: string, bid: string, ask: string): PnlInput => ({
  type: 'quote',
  venue: 'v',
  position: ++pos,
  ts,
  instrument: I,
  bid,
  ask,
});
const f = (ts: string, accountId: string, side: 'buy' | 'sell', qty: string, price: string): PnlInput => ({
  type: 'fill',
  position: ++pos,
  ts,
  accountId,
  instrument: I,
  side,
  qty,
  price,
  fee: '0.01',
  feeAsset: 'USDT',
});

const run = (inputs: PnlInput[]) => {
  let l: PnlLedger = emptyLedger();
  const out = [];
  for (const i of inputs) {
    const r = evolvePnl(l, i);
    l = r.ledger;
    out.push(...r.checkpoints);
  }
  return { ledger: l, checkpoints: out };
};

describe('PnL fold checkpoints', () => {
  it('checkpoints a fill at the last mark, and every open book when quotes cross a minute', () => {
    pos = 0;
    const { checkpoints } = run([
      q('2026-01-01T00:00:01.000Z', '100', '101'),
      f('2026-01-01T00:00:02.000Z', 'b', 'buy', '1', '100'),
      f('2026-01-01T00:00:03.000Z', 'a', 'sell', '2', '101'),
      q('2026-01-01T00:00:59.999Z', '102', '103'), // same minute: no checkpoint
      q('2026-01-01T00:01:00.000Z', '104', '105'), // new minute: a and b, sorted
    ]);
    expect(
      checkpoints.map((c) => [c.trigger, c.accountId, c.asOfPosition, c.mark, c.unrealizedPnl, c.netPnl]),
    ).toEqual([
      ['fill', 'b', 2, '100.5', '0.5', '0.49'],
      ['fill', 'a', 3, '100.5', '1', '0.99'],
      ['interval', 'a', 5, '104.5', '-7', '-7.01'],
      ['interval', 'b', 5, '104.5', '4.5', '4.49'],
    ]);
  });

  it('checkpoints each minute once when a quote steps back in time', () => {
    pos = 0;
    const { checkpoints } = run([
      q('2026-01-01T00:00:01.000Z', '100', '101'),
      f('2026-01-01T00:00:02.000Z', 'a', 'buy', '1', '100'),
      q('2026-01-01T00:01:00.000Z', '104', '105'), // minute 1: a checkpoint
      q('2026-01-01T00:00:59.999Z', '103', '104'), // dated before it: no minute to cross
      q('2026-01-01T00:01:00.500Z', '102', '103'), // still minute 1: not again
      q('2026-01-01T00:02:00.000Z', '101', '102'), // minute 2: one more
    ]);
    expect(checkpoints.map((c) => [c.trigger, c.asOfPosition])).toEqual([
      ['fill', 2],
      ['interval', 3],
      ['interval', 6],
    ]);
  });

  it('does not checkpoint flat books, nor the first quote of an instrument', () => {
    pos = 0;
    const { checkpoints } = run([
      q('2026-01-01T00:00:01.000Z', '100', '101'),
      f('2026-01-01T00:00:02.000Z', 'a', 'buy', '1', '100'),
      f('2026-01-01T00:00:03.000Z', 'a', 'sell', '1', '100'),
      q('2026-01-01T00:02:00.000Z', '104', '105'),
    ]);
    expect(checkpoints.map((c) => c.trigger)).toEqual(['fill', 'fill']);
  });

  it('is a pure fold: the input ledger is unchanged and survives a JSON round trip', () => {
    pos = 0;
    const a = run([
      q('2026-01-01T00:00:01.000Z', '100', '101'),
      f('2026-01-01T00:00:02.000Z', 'a', 'buy', '1', '100'),
    ]).ledger;
    const copy = JSON.parse(JSON.stringify(a)) as PnlLedger;
    const next = evolvePnl(copy, f('2026-01-01T00:00:03.000Z', 'a', 'buy', '1', '102'));
    expect(copy).toEqual(a);
    expect(next.checkpoints[0]).toMatchObject({ position: '2', avgCost: '101' });
  });
});

describe('isoMs', () => {
  it('reads stamps like Date.parse, with and without fractions, across minutes', () => {
    for (const s of [
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:59.5Z',
      '2026-01-01T00:00:59.25Z',
      '2026-01-01T00:00:59.125Z',
      '2026-01-01T00:01:00.001Z',
      '2025-12-31T23:59:59.999Z',
    ])
      expect(isoMs(s)).toBe(Date.parse(s));
    expect(isoMs('yesterday')).toBeNaN();
  });
});
