import * as E from 'fp-ts/Either';
import { EventData, RecordedEvent } from '@keel/events';
import { recordedEvent } from '@keel/balances-domain/testing';
import { DEFAULT_BALANCES_CONFIG, BalancesState, initialBalances } from '@keel/balances-domain';
import { BALANCES_PRODUCER, balancesProjection, balancesWrites } from './balances.engine';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const projection = balancesProjection({
  config: DEFAULT_BALANCES_CONFIG,
  haircut: () => ({ tiers: [{ upTo: null, rate: '1' }], version: 'spec@1' }),
});

const snapshot = (accountId: string, usdt: string): EventData<'AccountSnapshotReported'> => ({
  accountId,
  venue: 'sim',
  model: 'sim',
  currency: 'USDT',
  venueAt: new Date(T0).toISOString(),
  receivedAt: new Date(T0).toISOString(),
  latencyMs: 3,
  balances: [{ asset: 'USDT', total: usdt, locked: '0', free: usdt }],
  positions: [],
  equity: usdt,
  unrealizedPnl: '0',
  initialMargin: '0',
  maintenanceMargin: '0',
  marginRatio: null,
  collateralValue: usdt,
  freeCollateral: usdt,
  cash: usdt,
  buyingPower: usdt,
  raw: { account: {} },
});

const fold = (events: readonly RecordedEvent[]): BalancesState =>
  events.reduce(projection.evolve, initialBalances);

describe('balances engine: the writes of an applied event', () => {
  const e1 = recordedEvent('AccountSnapshotReported', snapshot('a1', '1000'), { at: T0, position: 1 });

  it('appends one write per stream, each event caused by the applied one, produced by the balance-aggregator', () => {
    const state = fold([e1]);
    const writes = E.getOrElseW(() => [])(balancesWrites(e1, state));
    expect(writes.map((w) => [w.stream, w.events.map((e) => e.type)])).toEqual([
      ['balances-a1', ['AccountEquityUpdated']],
      ['balances-portfolio', ['PortfolioValued']],
    ]);
    for (const w of writes)
      for (const e of w.events) {
        expect(e).toMatchObject({
          causationId: e1.eventId,
          producer: BALANCES_PRODUCER,
          occurredAt: e1.occurredAt,
        });
      }
  });

  it('derives the same ids from the same cause (a replay or a restart writes nothing new) and others from another', () => {
    const ids = (e: RecordedEvent, s: BalancesState) =>
      E.getOrElseW(() => [])(balancesWrites(e, s)).flatMap((w) => w.events.map((x) => x.eventId));
    const first = ids(e1, fold([e1]));
    expect(ids(e1, fold([e1]))).toEqual(first);
    const e2 = recordedEvent('AccountSnapshotReported', snapshot('a1', '2000'), {
      at: T0 + 1000,
      position: 2,
    });
    const second = ids(e2, fold([e1, e2]));
    expect(second).toHaveLength(2);
    expect(second.some((id) => first.includes(id))).toBe(false);
  });

  it('writes nothing for an event that moves no figure', () => {
    const quote = recordedEvent(
      'QuoteUpdated',
      {
        venue: 'sim',
        instrument: 'ETH/USDT:USDT',
        bidPrice: '3000',
        bidQty: '1',
        askPrice: '3000.1',
        askQty: '1',
        venueAt: new Date(T0).toISOString(),
      },
      { at: T0 + 100, position: 2 },
    );
    expect(balancesWrites(quote, fold([e1, quote]))).toEqual(E.right([]));
  });
});
