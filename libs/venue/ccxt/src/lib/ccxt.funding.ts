/**
 * ccxt's funding history (`fetchFundingHistory`: `{ info, symbol, code, timestamp, datetime,
 * id, amount }`) → the port's FundingPayment, exactly.
 *
 * ccxt parses the amount to a JS number, which can lose digits (an 8-decimal income of a
 * large account, OKX's 16-decimal `balChg`). The amount, id, asset and time are therefore
 * read from the venue's own answer in `info`, where they are strings as the venue wrote them:
 * - Binance USD-M `GET /fapi/v1/income` (incomeType FUNDING_FEE): `income`, `tranId`, `asset`, `time`;
 * - OKX `GET /api/v5/account/bills-archive` (type 8): `balChg` (or `posBalChg` when the
 *   balance did not move, as ccxt does), `billId`, `ccy`, `ts`;
 * - Hyperliquid `userFunding`: `delta.usdc`, `time`; its `hash` is all zeros for funding,
 *   so the id is `<coin>-<time>` (one payment per coin per funding instant).
 * Anything that cannot be read is a `VenueMalformed` naming the field and its value: the
 * whole answer is refused (never half-recorded) and the gateway asks again next cycle.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import type { FundingPayment, VenueError } from '@keel/venue-domain';
import type { CcxtVenueId } from './ccxt.weights';

/** ccxt's unified funding-history entry (its typings call it FundingHistory). */
export interface CcxtFundingEntry {
  readonly info?: unknown;
  readonly symbol?: string;
  readonly code?: string;
  readonly timestamp?: number;
  readonly id?: string;
  readonly amount?: number;
}

/** A decimal as venues write it: optional sign, digits, optional fraction; no exponent, no blanks. */
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;
const ID = /^\S{1,128}$/;
const ZERO_HASH = /^0x0+$/;

type Raw = Readonly<Record<string, unknown>>;

const asRecord = (x: unknown): Raw => (x !== null && typeof x === 'object' ? (x as Raw) : {});

const show = (x: unknown): string => (x === undefined ? 'undefined' : JSON.stringify(x));

/** The raw fields of one venue's entry, before they are checked. */
interface RawFunding {
  readonly amount: readonly [string, unknown];
  readonly id: readonly [string, unknown];
  readonly asset: readonly [string, unknown];
  readonly time: readonly [string, unknown];
}

const rawOf = (venue: CcxtVenueId, e: CcxtFundingEntry): RawFunding => {
  const info = asRecord(e.info);
  switch (venue) {
    case 'binanceusdm': {
      // Binance documents `tranId` as a JSON number: one past 2^53 has lost digits in
      // JSON.parse, so such a payment is named by what is unique to it instead (one
      // settlement per symbol per funding instant).
      const tranId = info['tranId'];
      const id =
        typeof tranId === 'number' && Number.isInteger(tranId) && !Number.isSafeInteger(tranId)
          ? `${String(info['symbol'])}@${String(info['time'])}`
          : typeof tranId === 'number' && Number.isSafeInteger(tranId)
            ? String(tranId)
            : tranId;
      return {
        amount: ['income', info['income']],
        id: ['tranId', id],
        asset: ['asset', info['asset']],
        time: ['time', info['time']],
      };
    }
    case 'okx': {
      const bal = info['balChg'];
      const balIsZero = typeof bal === 'string' && DECIMAL.test(bal) && new Decimal(bal).isZero();
      return {
        amount:
          balIsZero && info['posBalChg'] !== undefined ? ['posBalChg', info['posBalChg']] : ['balChg', bal],
        id: ['billId', info['billId']],
        asset: ['ccy', info['ccy']],
        time: ['ts', info['ts']],
      };
    }
    case 'hyperliquid': {
      const delta = asRecord(info['delta']);
      const hash = info['hash'];
      const coin = delta['coin'];
      const id: readonly [string, unknown] =
        typeof hash === 'string' && !ZERO_HASH.test(hash)
          ? ['hash', hash]
          : typeof coin === 'string'
            ? ['delta.coin', `${coin}-${String(info['time'])}`]
            : ['delta.coin', coin];
      return {
        amount: ['delta.usdc', delta['usdc']],
        id,
        asset: ['code', e.code],
        time: ['time', info['time']],
      };
    }
    default: {
      const never: never = venue;
      return never;
    }
  }
};

/** One entry of a funding-history answer (its index names it in errors). */
export const toFundingPayment = (
  venue: CcxtVenueId,
  e: CcxtFundingEntry,
  index: number,
): E.Either<VenueError, FundingPayment> => {
  const malformed = (field: string, value: unknown, why: string): E.Either<VenueError, FundingPayment> =>
    E.left({
      _tag: 'VenueMalformed',
      venue,
      op: 'fetchFunding',
      path: `funding[${index}].${field}`,
      value: show(value),
      message: `funding[${index}].${field} = ${show(value)}: ${why}`,
    });
  const r = rawOf(venue, e);
  const [amountField, amount] = r.amount;
  if (typeof amount !== 'string' || !DECIMAL.test(amount))
    return malformed(amountField, amount, 'not a decimal string');
  const [idField, id] = r.id;
  if (typeof id !== 'string' || !ID.test(id))
    return malformed(idField, id, 'not a venue id (1–128 characters, no blanks)');
  const [assetField, asset] = r.asset;
  if (typeof asset !== 'string' || !ID.test(asset)) return malformed(assetField, asset, 'not an asset code');
  const [timeField, time] = r.time;
  const ts =
    typeof time === 'number' ? time : typeof time === 'string' && /^\d+$/.test(time) ? Number(time) : NaN;
  if (!Number.isSafeInteger(ts) || ts <= 0) return malformed(timeField, time, 'not an epoch-ms time');
  if (typeof e.symbol !== 'string' || !ID.test(e.symbol))
    return malformed('symbol', e.symbol, 'not a market symbol');
  const value = new Decimal(amount);
  return E.right({
    symbol: e.symbol,
    fundingId: id,
    amount: value.isZero() ? new Decimal(0) : value,
    asset,
    venueAt: ts,
  });
};

/** A whole answer, oldest first (ties by symbol, then id): every entry readable, or the first error. */
export const toFundingPayments = (
  venue: CcxtVenueId,
  entries: readonly CcxtFundingEntry[],
): E.Either<VenueError, readonly FundingPayment[]> => {
  const out: FundingPayment[] = [];
  for (let i = 0; i < entries.length; i++) {
    const p = toFundingPayment(venue, entries[i] as CcxtFundingEntry, i);
    if (E.isLeft(p)) return p;
    out.push(p.right);
  }
  return E.right(
    out.sort(
      (a, b) =>
        a.venueAt - b.venueAt || a.symbol.localeCompare(b.symbol) || a.fundingId.localeCompare(b.fundingId),
    ),
  );
};
