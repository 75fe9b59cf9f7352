/**
 * The `Keel-Signature` header (docs/predictions-api.md, "Request"): Stripe's webhook scheme.
 * The signed payload is the decimal timestamp, a `.`, then the body's exact bytes; the MAC is
 * HMAC-SHA256 with the key's secret, in lower-case hex.
 *
 * The MAC is computed over bytes, not over a re-serialised object: the server checks the raw
 * body it received, so the client must sign exactly the bytes it sends (see prediction.client.ts,
 * which serialises once and sends that buffer).
 */
import { createHmac } from 'node:crypto';

/**
 * `t=<unixSeconds>,v1=<hex HMAC-SHA256 of "<t>." followed by the body bytes>`. A string body is
 * signed as its UTF-8 bytes (what `fetch` sends for it).
 *
 * Throws a RangeError when `unixSeconds` is not a non-negative integer: a fractional or
 * negative `t` would be signed here but refused by the server as a malformed signature, and
 * the cause would be hard to see from a 401.
 */
export const signBody = (secret: string, body: string | Uint8Array, unixSeconds: number): string => {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0)
    throw new RangeError(`unixSeconds must be a non-negative integer (got ${String(unixSeconds)})`);
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.`, 'utf8').update(body).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
};
