/**
 * A synthetic trading session for the replay benchmark: what a gateway-heavy Keel log looks
 * like, generated deterministically from a seed. Event mix (by count): QuoteUpdated 60%,
 * TradePrinted 15%, OrderFilled 5%, ChildOrderRequested 5%, OrderAccepted 5%,
 * BalanceReported 5%, PositionReported 5%, and a FundingPaid per account × instrument every
 * 8 hours of session time. Payloads have the sizes of real ones; prices random-walk on each
 * instrument's tick; session time advances 20 ms per event. 3 accounts × 4 instruments.
 */
import { BulkEvent } from '@keel/event-store';
import { EVENT_DEFINITIONS } from '@keel/events';

const INSTRUMENTS = [
  { symbol: 'BTC/USDT:USDT', start: 870_001, dp: 1, lot: '0.001', lotUnits: 1, lotDp: 3 },
  { symbol: 'ETH/USDT:USDT', start: 312_055, dp: 2, lot: '0.01', lotUnits: 1, lotDp: 2 },
  { symbol: 'SOL/USDT:USDT', start: 187_250, dp: 3, lot: '0.1', lotUnits: 1, lotDp: 1 },
  { symbol: 'XRP/USDT:USDT', start: 21_034, dp: 4, lot: '10', lotUnits: 10, lotDp: 0 },
];
const ACCOUNTS = ['acct-binance-1', 'acct-binance-2', 'acct-okx-1'] as const;
const VENUE = 'binanceusdm';
const STEP_MS = 20;
const FUNDING_EVERY_MS = 8 * 3600_000;

/** mulberry32: a small deterministic PRNG (the session must be the same for every run). */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const price = (ticks: number, dp: number): string => {
  if (dp === 0) return String(ticks);
  const s = String(ticks).padStart(dp + 1, '0');
  return `${s.slice(0, s.length - dp)}.${s.slice(s.length - dp)}`;
};

const uuid = (n: number, salt: number): string => {
  const h = (n * 2654435761 + salt * 40503) >>> 0;
  const hex = (x: number, w: number) => x.toString(16).padStart(w, '0').slice(-w);
  return `${hex(h, 8)}-${hex(n >>> 16, 4)}-8${hex(n, 3)}-8${hex(salt, 3)}-${hex(n, 12)}`;
};

export interface SyntheticSessionOptions {
  readonly events: number;
  readonly seed?: number;
  readonly start?: string;
}

export function* syntheticSession(o: SyntheticSessionOptions): Generator<BulkEvent> {
  const rnd = prng(o.seed ?? 42);
  const t0 = Date.parse(o.start ?? '2026-01-05T00:00:00.000Z');
  const mids: number[] = INSTRUMENTS.map((i) => i.start);
  const positions = ACCOUNTS.map(() => INSTRUMENTS.map(() => 0));
  let nextFunding = t0 + FUNDING_EVERY_MS;
  let orderSeq = 0;
  let n = 0;
  const meta = (ts: string, producer: string) => ({
    correlationId: `c${n}`,
    causationId: null,
    producer,
    occurredAt: ts,
  });
  while (n < o.events) {
    const ms = t0 + n * STEP_MS;
    const ts = new Date(ms).toISOString();
    if (ms >= nextFunding) {
      nextFunding += FUNDING_EVERY_MS;
      for (const [a, account] of ACCOUNTS.entries())
        for (const [k, ins] of INSTRUMENTS.entries()) {
          if (n >= o.events) return;
          const amount =
            positions[a]![k] === 0 ? '0' : `${positions[a]![k]! > 0 ? '-' : ''}${(rnd() * 3).toFixed(4)}`;
          yield {
            stream: `venue-${account}`,
            event: {
              ...meta(ts, 'gateway'),
              eventId: uuid(n, 7),
              type: 'FundingPaid',
              schemaVersion: EVENT_DEFINITIONS.FundingPaid.version,
              data: {
                accountId: account,
                instrument: ins.symbol,
                fundingId: `f${n}`,
                amount: amount === '-0.0000' ? '0' : amount,
                asset: 'USDT',
                venueAt: ts,
              },
            },
          };
          n++;
        }
      continue;
    }
    const k = Math.floor(rnd() * INSTRUMENTS.length);
    const ins = INSTRUMENTS[k]!;
    const a = Math.floor(rnd() * ACCOUNTS.length);
    const account = ACCOUNTS[a]!;
    const r = rnd() * 100;
    if (r < 60) {
      mids[k] = Math.max(10, mids[k]! + Math.round((rnd() - 0.5) * 6));
      const bid = price(mids[k]!, ins.dp);
      const ask = price(mids[k]! + 1, ins.dp);
      yield {
        stream: `venue-md.${VENUE}`,
        event: {
          ...meta(ts, 'gateway'),
          eventId: uuid(n, 1),
          type: 'QuoteUpdated',
          schemaVersion: EVENT_DEFINITIONS.QuoteUpdated.version,
          data: {
            venue: VENUE,
            instrument: ins.symbol,
            bidPrice: bid,
            bidQty: (rnd() * 5).toFixed(3),
            askPrice: ask,
            askQty: (rnd() * 5).toFixed(3),
            venueAt: ts,
          },
        },
      };
    } else if (r < 75) {
      yield {
        stream: `venue-md.${VENUE}`,
        event: {
          ...meta(ts, 'gateway'),
          eventId: uuid(n, 2),
          type: 'TradePrinted',
          schemaVersion: EVENT_DEFINITIONS.TradePrinted.version,
          data: {
            venue: VENUE,
            instrument: ins.symbol,
            tradeId: `t${n}`,
            price: price(mids[k]!, ins.dp),
            qty: ins.lot,
            side: rnd() < 0.5 ? 'buy' : 'sell',
            venueAt: ts,
          },
        },
      };
    } else if (r < 80) {
      const side = rnd() < 0.5 ? 'buy' : 'sell';
      const lots = 1 + Math.floor(rnd() * 5);
      const qty = ins.lotDp === 0 ? String(lots * ins.lotUnits) : price(lots * ins.lotUnits, ins.lotDp);
      const px = price(side === 'buy' ? mids[k]! + 1 : mids[k]!, ins.dp);
      positions[a]![k]! += side === 'buy' ? lots : -lots;
      yield {
        stream: `venue-${account}`,
        event: {
          ...meta(ts, 'gateway'),
          eventId: uuid(n, 3),
          type: 'OrderFilled',
          schemaVersion: 1,
          data: {
            accountId: account,
            instrument: ins.symbol,
            clientOrderId: `K${orderSeq}`,
            tradeId: `ft${n}`,
            side,
            qty,
            price: px,
            fee: (rnd() * 0.5).toFixed(6),
            feeAsset: 'USDT',
            liquidity: rnd() < 0.7 ? 'maker' : 'taker',
          },
        },
      };
    } else if (r < 85) {
      orderSeq++;
      yield {
        stream: `execution-${account}`,
        event: {
          ...meta(ts, 'execution'),
          eventId: uuid(n, 4),
          type: 'ChildOrderRequested',
          schemaVersion: 1,
          data: {
            accountId: account,
            instrument: ins.symbol,
            parentOrderId: `p${orderSeq >> 3}`,
            clientOrderId: `K${orderSeq}`,
            side: 'buy',
            qty: ins.lot,
            orderType: 'limit',
            limitPrice: price(mids[k]!, ins.dp),
            postOnly: true,
            reduceOnly: false,
          },
        },
      };
    } else if (r < 90) {
      yield {
        stream: `venue-${account}`,
        event: {
          ...meta(ts, 'gateway'),
          eventId: uuid(n, 5),
          type: 'OrderAccepted',
          schemaVersion: 1,
          data: {
            accountId: account,
            instrument: ins.symbol,
            clientOrderId: `K${orderSeq}`,
            venueOrderId: `v${orderSeq}`,
          },
        },
      };
    } else if (r < 95) {
      yield {
        stream: `venue-${account}`,
        event: {
          ...meta(ts, 'gateway'),
          eventId: uuid(n, 6),
          type: 'BalanceReported',
          schemaVersion: EVENT_DEFINITIONS.BalanceReported.version,
          data: {
            accountId: account,
            venue: VENUE,
            balances: [{ asset: 'USDT', total: '1000000', free: '950000' }],
          },
        },
      };
    } else {
      yield {
        stream: `venue-${account}`,
        event: {
          ...meta(ts, 'gateway'),
          eventId: uuid(n, 8),
          type: 'PositionReported',
          schemaVersion: EVENT_DEFINITIONS.PositionReported.version,
          data: {
            accountId: account,
            venue: VENUE,
            positions: INSTRUMENTS.map((i, j) => ({
              instrument: i.symbol,
              qty: String(positions[a]![j]),
              entryPrice: null,
            })),
          },
        },
      };
    }
    n++;
  }
}
