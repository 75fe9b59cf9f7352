/**
 * `keel bench gateway-fold`: what folding the gateway's account log costs as history grows.
 * One account trades one order every `spacingMs` (requested, accepted, two fills; every third
 * is cancelled after its first fill) for `orders` orders. In the same run it times
 *  - early: folding the first `window` orders' events from an empty log (the baseline),
 *  - late: folding the last `window` orders' events onto the log of everything before them,
 * best of `rounds`, and reports µs per event for each and their ratio (1 = a fold step costs
 * the same however long the account has traded; the log kept every order and copied it on
 * each event before issue 19, which made this ratio grow with history), the whole refold,
 * and the folded state's size (JSON bytes) at half and at all of the history.
 */
import { performance } from 'node:perf_hooks';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, EventType, newEvent, RecordedEvent } from '@keel/events';
import { AccountLog, emptyAccountLog, evolveAccountLog } from '../lib/reconciliation';

export interface AccountLogBenchOptions {
  readonly orders: number;
  readonly window: number;
  readonly spacingMs: number;
  readonly rounds: number;
}

export interface AccountLogBenchResult {
  readonly orders: number;
  readonly events: number;
  readonly window: number;
  readonly spacingMs: number;
  readonly earlyUsPerEvent: number;
  readonly lateUsPerEvent: number;
  /** late ÷ early: 1 when a fold step does not depend on history. */
  readonly lateToEarly: number;
  readonly refoldAllMs: number;
  readonly stateBytesAtHalf: number;
  readonly stateBytesAtEnd: number;
  readonly liveOrdersAtEnd: number;
}

const ACCOUNT = 'bench-1';
const BTC = 'BTC/USDT:USDT';
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** The events of `orders` orders, each group the events of one order. */
export const accountHistory = (orders: number, spacingMs: number): RecordedEvent[][] => {
  let pos = 0;
  const ev = <T extends EventType>(type: T, at: number, data: EventData<T>): RecordedEvent => {
    const occurredAt = new Date(at).toISOString();
    const e = newEvent(type, deriveId('bench', type, ++pos), data, {
      correlationId: 'bench',
      causationId: null,
      producer: 'bench',
      occurredAt,
    });
    if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
    return {
      ...e.right,
      stream: `venue-${ACCOUNT}`,
      streamRevision: pos,
      globalPosition: pos,
      recordedAt: occurredAt,
    } as RecordedEvent;
  };
  const out: RecordedEvent[][] = [];
  for (let i = 0; i < orders; i++) {
    const t = T0 + i * spacingMs;
    const ref = { accountId: ACCOUNT, instrument: BTC, clientOrderId: `k${i}` };
    const fill = (n: number, at: number) =>
      ev('OrderFilled', at, {
        ...ref,
        tradeId: `t${i}-${n}`,
        side: 'buy',
        qty: '0.005',
        price: '90000',
        fee: '0.01',
        feeAsset: 'USDT',
        liquidity: 'maker',
      });
    const group = [
      ev('ChildOrderRequested', t, {
        ...ref,
        parentOrderId: 'p',
        side: 'buy',
        qty: '0.01',
        orderType: 'limit',
        limitPrice: '90000',
        postOnly: true,
        reduceOnly: false,
        validUntil: null,
        seq: i,
        kind: 'passive',
        reason: 'post',
      }),
      ev('OrderAccepted', t + 100, { ...ref, venueOrderId: `V${i}` }),
      fill(0, t + 1000),
      i % 3 === 0
        ? ev('OrderCancelled', t + 2000, { ...ref, filledQty: '0.005', reason: 'slice over' })
        : fill(1, t + 2000),
    ];
    out.push(group);
  }
  return out;
};

const foldAll = (log: AccountLog, events: readonly RecordedEvent[]): AccountLog => {
  let l = log;
  for (const e of events) l = evolveAccountLog(l, e);
  return l;
};

const timed = (f: () => AccountLog): { ms: number; log: AccountLog } => {
  const t = performance.now();
  const log = f();
  return { ms: performance.now() - t, log };
};

export const benchAccountLogFold = (o: AccountLogBenchOptions): AccountLogBenchResult => {
  const groups = accountHistory(o.orders, o.spacingMs);
  const window = Math.min(o.window, Math.floor(o.orders / 2));
  const early = groups.slice(0, window).flat();
  const before = groups.slice(0, o.orders - window).flat();
  const late = groups.slice(o.orders - window).flat();
  const all = groups.flat();
  const atHalf = foldAll(emptyAccountLog(ACCOUNT), groups.slice(0, Math.floor(o.orders / 2)).flat());
  const prefix = foldAll(emptyAccountLog(ACCOUNT), before);
  let earlyMs = Infinity;
  let lateMs = Infinity;
  let refoldMs = Infinity;
  let end = prefix;
  for (let r = 0; r < o.rounds; r++) {
    earlyMs = Math.min(earlyMs, timed(() => foldAll(emptyAccountLog(ACCOUNT), early)).ms);
    const l = timed(() => foldAll(prefix, late));
    lateMs = Math.min(lateMs, l.ms);
    end = l.log;
    refoldMs = Math.min(refoldMs, timed(() => foldAll(emptyAccountLog(ACCOUNT), all)).ms);
  }
  const earlyUs = (earlyMs * 1000) / early.length;
  const lateUs = (lateMs * 1000) / late.length;
  const round = (x: number, d = 2) => Number(x.toFixed(d));
  return {
    orders: o.orders,
    events: all.length,
    window,
    spacingMs: o.spacingMs,
    earlyUsPerEvent: round(earlyUs),
    lateUsPerEvent: round(lateUs),
    lateToEarly: round(lateUs / earlyUs),
    refoldAllMs: round(refoldMs, 1),
    stateBytesAtHalf: JSON.stringify(atHalf).length,
    stateBytesAtEnd: JSON.stringify(end).length,
    liveOrdersAtEnd: Object.keys(end.orders).length,
  };
};
