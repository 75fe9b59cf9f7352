/**
 * Hyperliquid client order ids ("cloid") are 128-bit hex strings (`0x` + 32 hex digits);
 * Keel's ids are ≤ 32 alphanumerics. The mapping is deterministic, so a resend after a crash
 * carries the same cloid:
 * - an id that already is 32 hex digits (Keel's hashed ids) is used as is: `0x` + lower-case id,
 *   and maps back exactly;
 * - any other id becomes `0x` + the first 32 hex digits of sha256("keel-cloid:" + id). That is
 *   one-way: the adapter remembers the ids it sent; a cloid it never sent is reported as is.
 */
import { createHash } from 'node:crypto';

const HEX32 = /^[0-9a-fA-F]{32}$/;

export const toCloid = (clientOrderId: string): string =>
  HEX32.test(clientOrderId)
    ? `0x${clientOrderId.toLowerCase()}`
    : `0x${createHash('sha256').update(`keel-cloid:${clientOrderId}`).digest('hex').slice(0, 32)}`;

/** Remembers cloid → our id for ids that do not map back by themselves. */
export class CloidBook {
  private readonly byCloid = new Map<string, string>();

  cloidOf(clientOrderId: string): string {
    const cloid = toCloid(clientOrderId);
    this.byCloid.set(cloid, clientOrderId);
    return cloid;
  }

  clientOrderIdOf(cloid: string): string {
    const known = this.byCloid.get(cloid.toLowerCase());
    if (known !== undefined) return known;
    const hex = cloid.toLowerCase().replace(/^0x/, '');
    return HEX32.test(hex) ? hex : cloid;
  }
}
