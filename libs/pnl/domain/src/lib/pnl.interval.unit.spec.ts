import { PnlInput } from './pnl.ledger';
import { createBackfill, IntervalRow } from './pnl.interval';

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
const f = (ts: string, side: 'buy' | 'sell', qty: string, price: string, fee = '0'): PnlInput => ({
  type: 'fill',
  position: ++pos,
  ts,
  accountId: 'a',
  instrument: I,
  side,
  qty,
  price,
  fee,
  feeAsset: 'USDT',
});

const backfill = (
  inputs: PnlInput[],
  opts: { fromMs?: number; toMs?: number; capital?: string } = {},
  endMs?: number,
) => {
  const rows: IntervalRow[] = [];
  const b = createBackfill({ intervalMs: 60_000, ...opts, onRow: (r) => rows.push(r) });
  for (const i of inputs) b.push(i);
  b.finish(endMs);
  return rows;
};

describe('PnL backfill: interval rows (scenario: one long, marked every 30 s)', () => {
  // 00:00:00 mid 100.5, buy 2 @ 100 at 00:00:15 (fee 0.2), mid 102.5 from 00:00:30, sell 1 @ 103 at 00:00:45.
  // Unrealized: 0 for 15 s, 2×0.5 = 1 for 15 s, 2×2.5 = 5 for 15 s, 1×2.5 = 2.5 for 15 s → ∫ = 15+75+37.5 = 127.5 → avg 2.125.
  // Net: −0.2+1 for 15 s, −0.2+5 for 15 s, realized 3 − 0.2 + 2.5 for 15 s → ∫ = 12 + 72 + 79.5 = 163.5 → avg 2.725.
  const inputs = () => {
    pos = 0;
    return [
      q('2026-01-01T00:00:00.000Z', '100', '101'),
      f('2026-01-01T00:00:15.000Z', 'buy', '2', '100', '0.2'),
      q('2026-01-01T00:00:30.000Z', '102', '103'),
      f('2026-01-01T00:00:45.000Z', 'sell', '1', '103'),
      q('2026-01-01T00:01:10.000Z', '102', '103'),
    ];
  };

  it('reports figures at the end, the interval PnL and exact time-weighted averages', () => {
    const rows = backfill(inputs(), { capital: '1000' });
    expect(rows[0]).toEqual({
      intervalStart: '2026-01-01T00:00:00.000Z',
      intervalEnd: '2026-01-01T00:01:00.000Z',
      accountId: 'a',
      instrument: I,
      position: '1',
      avgCost: '100',
      mark: '102.5',
      realizedPnl: '3',
      unrealizedPnl: '2.5',
      fees: '0.2',
      funding: '0',
      netPnl: '5.3',
      intervalPnl: '5.3',
      avgUnrealizedPnl: '2.125',
      avgNetPnl: '2.725',
      avgEquity: '',
      unconvertedFees: '',
      unconvertedFunding: '',
    });
    expect(rows[1]).toMatchObject({
      instrument: '*',
      netPnl: '5.3',
      avgNetPnl: '2.725',
      avgEquity: '1002.725',
    });
  });

  it('carries the book into the next interval: constant mark, constant figures, zero interval PnL', () => {
    const rows = backfill(inputs());
    expect(rows[2]).toMatchObject({
      intervalStart: '2026-01-01T00:01:00.000Z',
      netPnl: '5.3',
      intervalPnl: '0',
      avgUnrealizedPnl: '2.5',
      avgNetPnl: '5.3',
    });
  });

  it('writes empty intervals up to the end it is given, and only rows inside the window', () => {
    const rows = backfill(
      inputs(),
      { fromMs: Date.parse('2026-01-01T00:01:00Z'), toMs: Date.parse('2026-01-01T00:03:00Z') },
      Date.parse('2026-01-01T00:03:00Z'),
    );
    expect(rows.filter((r) => r.instrument !== '*').map((r) => r.intervalStart)).toEqual([
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:02:00.000Z',
    ]);
  });

  it('gives the same rows for the same inputs (deterministic)', () => {
    expect(JSON.stringify(backfill(inputs()))).toBe(JSON.stringify(backfill(inputs())));
  });

  it('integrates prices with more decimals than the fast integer scale exactly (decimal fallback)', () => {
    pos = 0;
    // 1 long at cost 100 for the whole minute; mid 100.000000000000000000005 (21 decimals) for 30 s, then 101 for 30 s.
    const rows = backfill([
      q('2026-01-01T00:00:00.000Z', '100', '100.00000000000000000001'),
      f('2026-01-01T00:00:00.000Z', 'buy', '1', '100'),
      q('2026-01-01T00:00:30.000Z', '101', '101'),
      q('2026-01-01T00:01:00.000Z', '101', '101'),
    ]);
    // ∫ unrealized = 30 000 × 0.000000000000000000005 + 30 000 × 1 → average 0.5 + 2.5e-21 → 0.5 at 8 places.
    expect(rows[0]).toMatchObject({ unrealizedPnl: '1', avgUnrealizedPnl: '0.5', avgNetPnl: '0.5' });
  });
});
