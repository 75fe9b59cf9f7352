import Decimal from 'decimal.js';
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, EventType, newEvent, NewEvent, RecordedEvent } from '@keel/events';
import { Fill, VenueOrder } from '@keel/venue-domain';
import { fillEventId } from './order-placement';
import {
  AccountLog,
  emptyAccountLog,
  evolveAccountLog,
  loggedOrder,
  reconcile,
  reconcileLookups,
  recordedFills,
  VenueSnapshot,
} from './reconciliation';
import { RECENT_BUCKET_MS, RECENT_HORIZON_MS, recentSize, recentValues } from './recent-window';

const meta = {
  correlationId: 'c',
  causationId: null,
  producer: 'gateway',
  occurredAt: '2024-01-01T00:00:00.000Z',
};
const BTC = 'BTC/USDT:USDT';
let pos = 0;
const recorded = <T extends EventType>(type: T, data: EventData<T>): RecordedEvent => {
  const e = newEvent(type, deriveId(type, ++pos), data, meta);
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return {
    ...e.right,
    stream: 'venue-acc1',
    streamRevision: pos,
    globalPosition: pos,
    recordedAt: meta.occurredAt,
  } as RecordedEvent;
};
const fold = (...events: RecordedEvent[]): AccountLog =>
  events.reduce(evolveAccountLog, emptyAccountLog('acc1'));

const requested = (clientOrderId: string) =>
  recorded('ChildOrderRequested', {
    accountId: 'acc1',
    instrument: BTC,
    parentOrderId: 'p1',
    clientOrderId,
    side: 'buy',
    qty: '0.01',
    orderType: 'limit',
    limitPrice: '42000',
    postOnly: false,
    reduceOnly: false,
    validUntil: null,
    seq: 0,
    kind: 'taker',
    reason: 'slice',
  });
const accepted = (clientOrderId: string, venueOrderId = `V-${clientOrderId}`) =>
  recorded('OrderAccepted', { accountId: 'acc1', instrument: BTC, clientOrderId, venueOrderId });
const cancelled = (clientOrderId: string) =>
  recorded('OrderCancelled', {
    accountId: 'acc1',
    instrument: BTC,
    clientOrderId,
    filledQty: '0',
    reason: 'asked',
  });
const filled = (clientOrderId: string, tradeId: string) =>
  recorded('OrderFilled', {
    accountId: 'acc1',
    instrument: BTC,
    clientOrderId,
    tradeId,
    side: 'buy',
    qty: '0.004',
    price: '42000',
    fee: '0.01',
    feeAsset: 'USDT',
    liquidity: 'maker',
  });

const open = (clientOrderId: string, status: VenueOrder['status'] = 'open'): VenueOrder => ({
  symbol: BTC,
  clientOrderId,
  venueOrderId: `V-${clientOrderId}`,
  side: 'buy',
  type: 'limit',
  qty: new Decimal('0.01'),
  price: new Decimal(42000),
  filledQty: new Decimal(0),
  avgFillPrice: null,
  status,
  ts: 0,
});
const fill = (clientOrderId: string, tradeId: string): Fill => ({
  symbol: BTC,
  tradeId,
  clientOrderId,
  venueOrderId: `V-${clientOrderId}`,
  side: 'buy',
  qty: new Decimal('0.004'),
  price: new Decimal(42000),
  fee: new Decimal('0.01'),
  feeAsset: 'USDT',
  liquidity: 'maker',
  ts: 0,
});
const venue = (v: Partial<VenueSnapshot> = {}): VenueSnapshot => ({
  venue: 'binanceusdm',
  openOrders: [],
  fills: [],
  positions: [],
  balances: [],
  ...v,
});

const run = (log: AccountLog, v: VenueSnapshot) => {
  const r = reconcile(log, v, 'start-1', meta);
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};
const describeEvents = (events: readonly NewEvent[]) =>
  events.map((e) =>
    e.type === 'OrderAccepted'
      ? `accepted ${e.data.clientOrderId} ${e.data.venueOrderId}`
      : e.type === 'OrderFilled'
        ? `filled ${e.data.clientOrderId} ${e.data.tradeId}`
        : e.type === 'OrderCancelled'
          ? `cancelled ${e.data.clientOrderId}`
          : e.type,
  );

describe('reconciliation', () => {
  it('an empty account and an empty log: only the snapshots are recorded', () => {
    const r = run(fold(), venue());
    expect(describeEvents(r.events)).toEqual(['PositionReported', 'BalanceReported']);
    expect(r).toMatchObject({ lookUp: [], inDoubt: [], adopted: [], positionDrift: [] });
  });

  it('records an order the gateway did not place (open at the venue, unknown to the log) and adopts it', () => {
    const r = run(fold(), venue({ openOrders: [open('manual1'), { ...open(''), venueOrderId: '777' }] }));
    expect(describeEvents(r.events).slice(0, 2)).toEqual([
      'accepted manual1 V-manual1',
      'accepted venue-777 777',
    ]);
    expect(r.adopted).toEqual(['manual1', 'venue-777']);
  });

  it('records the acceptance lost in a crash (requested in the log, open at the venue), not as adopted', () => {
    const r = run(fold(requested('k1')), venue({ openOrders: [open('k1')] }));
    expect(describeEvents(r.events)[0]).toBe('accepted k1 V-k1');
    expect(r.adopted).toEqual([]);
    expect(r.inDoubt).toEqual([]);
  });

  it('records fills the log lacks, once per trade id, after the acceptance they need', () => {
    const log = fold(requested('k1'), accepted('k1'), filled('k1', 't1'));
    const r = run(
      log,
      venue({
        openOrders: [open('k1')],
        fills: [fill('k1', 't1'), fill('k1', 't2'), fill('k2', 't3'), fill('k2', 't3')],
      }),
    );
    expect(describeEvents(r.events)).toEqual([
      'accepted k2 V-k2',
      'filled k1 t2',
      'filled k2 t3',
      'PositionReported',
      'BalanceReported',
    ]);
  });

  it('an accepted order no longer open at the venue is looked up; a requested one without outcome is in doubt', () => {
    const log = fold(
      requested('k1'),
      accepted('k1'),
      requested('k2'),
      requested('k3'),
      accepted('k3'),
      cancelled('k3'),
    );
    const r = run(log, venue());
    expect(r.lookUp).toEqual([{ instrument: BTC, clientOrderId: 'k1' }]);
    expect(r.inDoubt).toEqual(['k2']);
  });

  it('reports position drift against the last snapshot and records the venue’s positions', () => {
    const log = fold(
      recorded('PositionReported', {
        accountId: 'acc1',
        venue: 'binanceusdm',
        positions: [{ instrument: BTC, qty: '0.5', entryPrice: '40000' }],
      }),
    );
    const r = run(
      log,
      venue({ positions: [{ symbol: BTC, qty: new Decimal('0.3'), entryPrice: new Decimal(41000) }] }),
    );
    expect(r.positionDrift).toEqual([{ instrument: BTC, logged: '0.5', venue: '0.3' }]);
    const snap = r.events.find((e) => e.type === 'PositionReported');
    expect(snap?.type === 'PositionReported' && snap.data.positions).toEqual([
      { instrument: BTC, qty: '0.3', entryPrice: '41000' },
    ]);
  });

  it('look-ups: closed at the venue → OrderCancelled; still live or filled → nothing', () => {
    const log = fold(requested('k1'), accepted('k1'), filled('k1', 't1'));
    const r = reconcileLookups(
      log,
      [
        {
          instrument: BTC,
          clientOrderId: 'k1',
          order: { ...open('k1', 'cancelled'), filledQty: new Decimal('0.004') },
        },
        { instrument: BTC, clientOrderId: 'k2', order: open('k2', 'filled') },
        { instrument: BTC, clientOrderId: 'k3', order: null },
      ],
      meta,
    );
    expect(E.isRight(r) && describeEvents(r.right)).toEqual(['cancelled k1', 'cancelled k3']);
    expect(E.isRight(r) && r.right[0]!.type === 'OrderCancelled' && r.right[0]!.data.filledQty).toBe('0.004');
  });

  it('the fold tracks fills by derived id and ignores other accounts', () => {
    const other = recorded('OrderAccepted', {
      accountId: 'acc2',
      instrument: BTC,
      clientOrderId: 'x',
      venueOrderId: 'V',
    });
    const log = fold(requested('k1'), accepted('k1'), filled('k1', 't1'), filled('k1', 't2'), other);
    expect(log.orders['k1']).toMatchObject({ venueOrderId: 'V-k1', filledQty: '0.008', closed: null });
    expect(recentValues(log.fills).length).toBe(2);
    expect(
      [fillEventId('acc1', BTC, 't1'), fillEventId('acc1', BTC, 't2')].map(recordedFills(log).has),
    ).toEqual([true, true]);
    expect(log.orders['x']).toBeUndefined();
  });

  it('an order whose fills reach its quantity is closed as filled (not looked up again)', () => {
    const log = fold(
      requested('k1'),
      accepted('k1'),
      filled('k1', 't1'),
      filled('k1', 't2'),
      filled('k1', 't3'),
    );
    expect(log.orders['k1']).toBeUndefined();
    expect(loggedOrder(log, 'k1')).toMatchObject({ qty: '0.01', filledQty: '0.012', closed: 'filled' });
    expect(run(log, venue()).lookUp).toEqual([]);
  });

  it('property: recording what reconciliation found, then reconciling again, finds nothing new (idempotent)', () => {
    const ids = fc.constantFrom('k1', 'k2', 'k3', 'k4');
    fc.assert(
      fc.property(
        fc.uniqueArray(ids),
        fc.uniqueArray(ids),
        fc.array(fc.tuple(ids, fc.constantFrom('t1', 't2', 't3', 't4', 't5'))),
        (requestedIds, openIds, fills) => {
          const log = fold(...requestedIds.map(requested));
          const v = venue({
            openOrders: openIds.map((id) => open(id)),
            fills: fills.map(([id, t]) => fill(id, t)),
          });
          const first = run(log, v);
          const after = fold(
            ...requestedIds.map(requested),
            ...first.events.map(
              (e) =>
                ({
                  ...e,
                  stream: 's',
                  streamRevision: 0,
                  globalPosition: 0,
                  recordedAt: meta.occurredAt,
                }) as RecordedEvent,
            ),
          );
          const second = run(after, v);
          expect(describeEvents(second.events)).toEqual(['PositionReported', 'BalanceReported']);
          expect(second.adopted).toEqual([]);
          // Every fill the venue reported is recorded exactly once.
          const tradeKeys = new Set(fills.map(([, t]) => t));
          expect(first.events.filter((e) => e.type === 'OrderFilled')).toHaveLength(tradeKeys.size);
          // Same run, same snapshot ids: a retried write is a no-op.
          expect(second.events.map((e) => e.eventId)).toEqual(first.events.slice(-2).map((e) => e.eventId));
        },
      ),
    );
  });
});

describe('the account log keeps hot state only', () => {
  const T0 = Date.parse('2024-01-01T00:00:00.000Z');
  /** The event as recorded `ms` after T0. */
  const at = (ms: number, e: RecordedEvent): RecordedEvent => ({
    ...e,
    occurredAt: new Date(T0 + ms).toISOString(),
  });
  const positions = () =>
    recorded('PositionReported', { accountId: 'acc1', venue: 'binanceusdm', positions: [] });
  const partialCancel = (clientOrderId: string) =>
    recorded('OrderCancelled', {
      accountId: 'acc1',
      instrument: BTC,
      clientOrderId,
      filledQty: '0.004',
      reason: 'asked',
    });

  it('a closed order leaves the live orders; a late fill still finds it within the horizon, and past it both are forgotten', () => {
    const closedLog = fold(
      at(0, requested('k1')),
      at(1, accepted('k1')),
      at(2, filled('k1', 't1')),
      at(3, partialCancel('k1')),
      // The venue reports one more fill after the cancel.
      at(60_000, filled('k1', 't2')),
    );
    expect(closedLog.orders).toEqual({});
    expect(loggedOrder(closedLog, 'k1')).toMatchObject({
      closed: 'cancelled',
      filledQty: '0.008',
      venueOrderId: 'V-k1',
    });
    expect(recordedFills(closedLog).has(fillEventId('acc1', BTC, 't2'))).toBe(true);
    // Reconciliation still knows it: its fills read again are not recorded twice, nor is it adopted.
    const again = reconcile(
      closedLog,
      { ...venue(), fills: [{ ...fill('k1', 't2'), venueOrderId: 'V-k1' }] },
      'r',
      meta,
    );
    expect(E.isRight(again) && describeEvents(again.right.events)).toEqual([
      'PositionReported',
      'BalanceReported',
    ]);

    const later = evolveAccountLog(
      closedLog,
      at(RECENT_HORIZON_MS + RECENT_BUCKET_MS + 3_600_000, positions()),
    );
    expect(loggedOrder(later, 'k1')).toBeUndefined();
    expect(recordedFills(later).has(fillEventId('acc1', BTC, 't2'))).toBe(false);
    expect(recentSize(later.closed) + recentSize(later.fills)).toBe(0);
  });

  it('an order still live is kept however old it is', () => {
    const log = fold(at(0, requested('k1')), at(1, accepted('k1')), at(10 * RECENT_HORIZON_MS, positions()));
    expect(log.orders['k1']).toMatchObject({ venueOrderId: 'V-k1', closed: null });
    expect(run(log, venue()).lookUp).toEqual([{ instrument: BTC, clientOrderId: 'k1' }]);
  });

  it('the folded state is as large after ten days of trading as after five (bounded by the horizon, not by history)', () => {
    // One order every 5 minutes, filled in three fills or cancelled after one: about 2,900 orders.
    const step = 5 * 60_000;
    let log = emptyAccountLog('acc1');
    const sizes = new Map<number, number>();
    for (let i = 0, t = 0; t <= 10 * 86_400_000; i++, t += step) {
      const id = `k${i}`;
      const events = [requested(id), accepted(id), filled(id, `${id}a`)];
      if (i % 3 === 0) events.push(cancelled(id));
      else events.push(filled(id, `${id}b`), filled(id, `${id}c`));
      for (const [n, e] of events.entries()) log = evolveAccountLog(log, at(t + n * 1000, e));
      if (t === 5 * 86_400_000 || t === 10 * 86_400_000) sizes.set(t, JSON.stringify(log).length);
    }
    expect(Object.keys(log.orders)).toEqual([]);
    // 48 h of orders (plus at most one 6-hour bucket), not ten days'.
    expect(recentSize(log.closed)).toBeLessThanOrEqual((RECENT_HORIZON_MS + RECENT_BUCKET_MS) / step + 1);
    expect(recentSize(log.closed)).toBeGreaterThanOrEqual(RECENT_HORIZON_MS / step);
    const [five, ten] = [...sizes.values()];
    expect(ten! / five!).toBeGreaterThan(0.95);
    expect(ten! / five!).toBeLessThan(1.05);
  });
});
