/**
 * The `Keel-Signature` header (Stripe's scheme): `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`.
 * Several `v1` entries let a model sign with an old and a new secret while a key rotates.
 * Parsing is pure; computing and comparing MACs is the engine's (node:crypto, constant time).
 */
export interface SignatureHeader {
  /** Unix seconds. */
  readonly t: number;
  /** Lower-case hex MACs, 64 characters each. */
  readonly v1: readonly string[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Left: why the header cannot be a signature (for the 401's message; never echoes a MAC). */
export const parseSignatureHeader = (header: string | undefined): SignatureHeader | string => {
  if (header === undefined || header.length === 0) return 'Keel-Signature header is missing';
  if (header.length > 1024) return 'Keel-Signature header is too long';
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (eq < 0) return 'Keel-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>';
    if (k === 't') {
      if (!/^\d{1,12}$/.test(v)) return 'Keel-Signature t must be unix seconds';
      t = Number(v);
    } else if (k === 'v1') {
      if (!HEX64.test(v)) return 'Keel-Signature v1 must be 64 lower-case hex digits';
      v1.push(v);
    }
    // Other schemes (v0, future ones) are ignored, as Stripe does.
  }
  if (t === null) return 'Keel-Signature has no t=';
  if (v1.length === 0) return 'Keel-Signature has no v1=';
  if (v1.length > 8) return 'Keel-Signature has too many v1 entries';
  return { t, v1 };
};
