/**
 * The short cut of the PnL replay: read the few fields the fold needs straight out of a
 * stored envelope's JSON text, without `JSON.parse` (which alone caps a replay at ~200k
 * events/s on our machines). The envelope is written by the store in one known form (see
 * libs/event-store sqlite.schema.ts: `data` last); a key is found by its quoted name, and
 * since a string value's own quotes are escaped in JSON text, a value can never fake one.
 *
 * Every field it reads is validated as the schema would (decimal and timestamp patterns,
 * ids without whitespace, a known schema version). Anything unusual (another version, an
 * escape inside a value, a missing field) returns null, and the caller decodes the event in
 * full instead; so the short cut can be slower, never different. Fields it does not read are
 * not checked: `--strict` decodes every event in full.
 */
import * as E from 'fp-ts/Either';
import { describeError, EVENT_DEFINITIONS } from '@keel/events';
import { decodeRawEnvelope, RawLogRow } from '@keel/event-store';
import { PnlInput, toPnlInput } from '@keel/pnl-domain';

/** An event of the log that no longer decodes. */
export interface UndecodableReport {
  readonly position: number;
  readonly type: string;
  readonly message: string;
}

const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const POSITIVE = /^(0\.[0-9]*[1-9][0-9]*|[1-9][0-9]*(\.[0-9]+)?)$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const ID = /^\S+$/;
const ASSET = /^\S{1,16}$/;
const VENUE = /^\S{1,32}$/;

/**
 * The stored versions read directly, per type: the current one, and older ones whose upcasts
 * change none of the fields read here (v1 quotes and funding differ only in `venueTs`, now
 * `venueAt`, which the fold does not read), so a log written before a version bump keeps the
 * short cut.
 */
const since = (from: number, current: number): readonly string[] =>
  Array.from({ length: current - from + 1 }, (_, i) => `"schemaVersion":${current - i},`); // newest first
const VERSIONS = {
  OrderFilled: since(EVENT_DEFINITIONS.OrderFilled.version, EVENT_DEFINITIONS.OrderFilled.version),
  QuoteUpdated: since(1, EVENT_DEFINITIONS.QuoteUpdated.version),
  FundingPaid: since(1, EVENT_DEFINITIONS.FundingPaid.version),
};

/** The string value of `"key":"…"` at or after `from`; null when absent or escaped. */
const str = (s: string, key: string, from: number): string | null => {
  const k = s.indexOf(key, from);
  if (k < 0) return null;
  const start = k + key.length;
  const end = s.indexOf('"', start);
  if (end < 0 || s.charCodeAt(end - 1) === 92 /* \ */) return null;
  return s.slice(start, end);
};

const K_OCCURRED = '"occurredAt":"';
const K_DATA = '"data":{';

/** The fold's input from one stored row, or null when the short cut does not apply. */
export const extractPnlInput = (position: number, type: string, env: string): PnlInput | null => {
  const versions = VERSIONS[type as keyof typeof VERSIONS];
  if (versions === undefined || !versions.some((v) => env.indexOf(v) >= 0)) return null;
  const ts = str(env, K_OCCURRED, 0);
  const d = env.indexOf(K_DATA);
  if (ts === null || d < 0 || !TIMESTAMP.test(ts)) return null;
  switch (type) {
    case 'QuoteUpdated': {
      const venue = str(env, '"venue":"', d);
      const instrument = str(env, '"instrument":"', d);
      const bid = str(env, '"bidPrice":"', d);
      const ask = str(env, '"askPrice":"', d);
      if (
        venue === null ||
        !VENUE.test(venue) ||
        instrument === null ||
        bid === null ||
        ask === null ||
        !ID.test(instrument) ||
        !POSITIVE.test(bid) ||
        !POSITIVE.test(ask)
      )
        return null;
      return { type: 'quote', position, ts, venue, instrument, bid, ask };
    }
    case 'OrderFilled': {
      const accountId = str(env, '"accountId":"', d);
      const instrument = str(env, '"instrument":"', d);
      const side = str(env, '"side":"', d);
      const qty = str(env, '"qty":"', d);
      const price = str(env, '"price":"', d);
      const fee = str(env, '"fee":"', d);
      const feeAsset = str(env, '"feeAsset":"', d);
      if (
        accountId === null ||
        instrument === null ||
        qty === null ||
        price === null ||
        fee === null ||
        feeAsset === null
      )
        return null;
      if (
        (side !== 'buy' && side !== 'sell') ||
        !ID.test(accountId) ||
        !ID.test(instrument) ||
        !POSITIVE.test(qty) ||
        !POSITIVE.test(price) ||
        !DECIMAL.test(fee) ||
        !ASSET.test(feeAsset)
      )
        return null;
      return { type: 'fill', position, ts, accountId, instrument, side, qty, price, fee, feeAsset };
    }
    case 'FundingPaid': {
      const accountId = str(env, '"accountId":"', d);
      const instrument = str(env, '"instrument":"', d);
      const amount = str(env, '"amount":"', d);
      const asset = str(env, '"asset":"', d);
      if (
        accountId === null ||
        instrument === null ||
        amount === null ||
        asset === null ||
        !ASSET.test(asset) ||
        !ID.test(accountId) ||
        !ID.test(instrument) ||
        !DECIMAL.test(amount)
      )
        return null;
      return { type: 'funding', position, ts, accountId, instrument, amount, asset };
    }
    default:
      return null;
  }
};

/**
 * The fold's input of a stored row: the short cut (unless `strict`), else a full decode; null
 * for a type the fold does not read; `{ undecodable }` for a row that no longer decodes.
 */
export const rowInput = (
  row: RawLogRow,
  strict: boolean,
): PnlInput | null | { readonly undecodable: UndecodableReport } => {
  const input = strict ? null : extractPnlInput(row[0], row[1], row[2]);
  if (input !== null) return input;
  const d = decodeRawEnvelope(row);
  if (E.isLeft(d)) return { undecodable: { position: row[0], type: row[1], message: describeError(d.left) } };
  return toPnlInput(d.right);
};
