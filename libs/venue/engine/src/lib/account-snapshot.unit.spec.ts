import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { Balance, Position } from '@keel/venue-domain';
import { initialSnapshots, snapshotEvents, SnapshotState } from './account-snapshot';

const meta = {
  correlationId: 'c',
  causationId: null,
  producer: 'gateway',
  occurredAt: '2024-01-01T00:00:00.000Z',
};
const usdt = (total: string): Balance => ({
  asset: 'USDT',
  total: new Decimal(total),
  free: new Decimal(total),
});
const btc = (qty: string): Position => ({
  symbol: 'BTC/USDT:USDT',
  qty: new Decimal(qty),
  entryPrice: new Decimal(40000),
});

const cycles = (reads: readonly { now: number; balance: string; position: string }[]) => {
  let st: SnapshotState = initialSnapshots;
  return reads.map((r, i) => {
    const out = snapshotEvents(
      st,
      { accountId: 'acc1', venue: 'binanceusdm', cycle: `c${i}`, now: r.now, heartbeatMs: 60_000 },
      { balances: [usdt(r.balance)], positions: [btc(r.position)] },
      meta,
    );
    if (E.isLeft(out)) throw new Error(JSON.stringify(out.left));
    st = out.right.state;
    return out.right.events.map((e) => e.type).join(',');
  });
};

describe('account snapshots', () => {
  it('records the first read, then only changes, then a heartbeat', () => {
    expect(
      cycles([
        { now: 0, balance: '100', position: '1' },
        { now: 1_000, balance: '100', position: '1' },
        { now: 2_000, balance: '99.5', position: '1' },
        { now: 3_000, balance: '99.5', position: '-0.5' },
        { now: 63_000, balance: '99.5', position: '-0.5' },
      ]),
    ).toEqual([
      'BalanceReported,PositionReported',
      '',
      'BalanceReported',
      'PositionReported',
      'BalanceReported,PositionReported',
    ]);
  });

  it('a failed read (null) records nothing and keeps the last state', () => {
    const r = snapshotEvents(
      initialSnapshots,
      { accountId: 'a', venue: 'v', cycle: 'c', now: 0, heartbeatMs: 1 },
      { balances: null, positions: null },
      meta,
    );
    expect(E.isRight(r) && r.right).toEqual({ state: initialSnapshots, events: [] });
  });
});
