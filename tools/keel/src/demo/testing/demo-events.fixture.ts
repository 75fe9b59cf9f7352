/**
 * Recorded events for the paper session's collector and invariants specs: a tiny log writer
 * that stamps each event with the next global position and a time, and payload builders with
 * the catalog's field names (libs/events/src/lib/catalog/*.ts) in their JSON form (decimals as
 * strings). Only the fields the collector reads are filled in: the specs fold, never decode.
 */
import { RecordedEvent } from '@keel/events';
import { DemoCollector } from '../demo.collect';

export const T0 = Date.parse('2026-01-01T02:00:00Z');

type Data = Record<string, unknown>;

/** A log: `at(ms after T0, type, data)` appends an event; `into(collector)` folds them all. */
export const createLog = () => {
  const events: RecordedEvent[] = [];
  let position = 0;
  const append = (afterT0: number, type: string, data: Data): RecordedEvent => {
    position += 10; // global positions increase, not necessarily contiguously
    const e = {
      eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
      type,
      schemaVersion: 1,
      data,
      correlationId: 'spec',
      causationId: null,
      producer: 'spec',
      occurredAt: new Date(T0 + afterT0).toISOString(),
      stream: `spec-${type}`,
      streamRevision: 0,
      globalPosition: position,
      recordedAt: new Date(T0 + afterT0).toISOString(),
    } as unknown as RecordedEvent;
    events.push(e);
    return e;
  };
  return {
    events,
    append,
    into: (c: DemoCollector = new DemoCollector(1_000)): DemoCollector => {
      for (const e of events) c.apply(e);
      return c;
    },
  };
};

export const orderFilled = (
  accountId: string,
  instrument: string,
  side: 'buy' | 'sell',
  qty: string,
  price: string,
  tradeId: string,
  more: Partial<{ liquidity: 'maker' | 'taker'; fee: string; feeAsset: string; clientOrderId: string }> = {},
): Data => ({
  accountId,
  instrument,
  clientOrderId: more.clientOrderId ?? `c${tradeId}`,
  tradeId,
  side,
  qty,
  price,
  fee: more.fee ?? '0',
  feeAsset: more.feeAsset ?? 'USDT',
  liquidity: more.liquidity ?? 'taker',
});

export const targetSet = (accountId: string, instrument: string, targetQty: string): Data => ({
  accountId,
  instrument,
  targetQty,
  horizonSec: 60,
});

export const parentStarted = (
  parentOrderId: string,
  accountId: string,
  instrument: string,
  side: 'buy' | 'sell',
  qty: string,
  arrivalMid: string | null,
  targetPosition = side === 'buy' ? qty : `-${qty}`,
): Data => ({
  accountId,
  instrument,
  parentOrderId,
  targetId: null,
  side,
  qty,
  fromPosition: '0',
  targetPosition,
  arrivalMid,
  style: 'maker',
  urgency: 'normal',
  limitPrice: null,
});

export const childFilled = (
  parentOrderId: string,
  accountId: string,
  instrument: string,
  qty: string,
  price: string,
  liquidity: 'maker' | 'taker',
  fee = '0',
): Data => ({
  accountId,
  instrument,
  parentOrderId,
  clientOrderId: `${parentOrderId}x${qty.replace('.', '')}`,
  tradeId: `t-${parentOrderId}-${price}`,
  qty,
  price,
  fee,
  liquidity,
});

export const parentCompleted = (
  parentOrderId: string,
  accountId: string,
  instrument: string,
  reason: 'filled' | 'deadline' | 'superseded' | 'nothingToDo',
  filled: string,
  residual: string,
): Data => ({ accountId, instrument, parentOrderId, reason, filled, residual, quality: null });

/** InstrumentsListed for one account: each symbol with its lot, contract size, settlement and expiry. */
export const instrumentsListed = (
  venue: string,
  accountId: string,
  instruments: readonly {
    symbol: string;
    lotSize?: string;
    contractSize?: string;
    settlement?: 'cash' | 'physical' | null;
    expiry?: string | null;
  }[],
): Data => ({
  venue,
  accountIds: [accountId],
  instruments: instruments.map((i) => ({
    symbol: i.symbol,
    lotSize: i.lotSize ?? '0.001',
    contractSize: i.contractSize ?? '1',
    settlement: i.settlement ?? null,
    expiry: i.expiry ?? null,
  })),
});
