/**
 * Ids derive from their causes: the same cause always yields the same id, so a write or
 * an order retried after a crash is recognised as the same one. Pure (no randomness).
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * A UUID (RFC 9562 version 8, "custom") from the SHA-256 of the parts, each prefixed with
 * its length so no two lists of parts encode alike. Event ids must be UUIDs for EventStoreDB.
 */
export const deriveId = (...parts: readonly (string | number)[]): string => {
  const h = sha256(utf8ToBytes(parts.map((p) => `${String(p).length}:${String(p)}`).join('|')));
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC variant
  const x = bytesToHex(h.subarray(0, 16));
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
};
