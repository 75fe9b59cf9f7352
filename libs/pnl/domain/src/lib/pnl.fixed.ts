/**
 * Exact fixed-point decimals on BigInt, for the fast PnL fold (`pnl.fast.ts`): a decimal is an
 * integer scaled by 10^scale. Sums, differences and products are exact; the only division is
 * `divHalfEven` (one rounding, half-even). Text is canonical as `fmt` in pnl.math.ts: no
 * exponent, no trailing zeros, never `-0`.
 *
 * decimal.js (the reference fold) computes with 50 significant digits, so for every figure a
 * trading log can produce the two agree digit for digit (a spec compares them on random logs).
 */

/** 10^n as BigInt, n = 0 … 80. */
export const POW10N: readonly bigint[] = Array.from({ length: 81 }, (_, n) => 10n ** BigInt(n));
/** 10^n as a double, exact for n = 0 … 22. */
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, n) => 10 ** n);

const DECIMAL = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/** `-12.50` at scale 3 → -12500n; null when it is not a decimal or has more than `scale` places. */
export const parseScaled = (text: string, scale: number): bigint | null => {
  const m = DECIMAL.exec(text);
  if (m === null) return null;
  const frac = m[3] ?? '';
  if (frac.length > scale) {
    // Trailing zeros past the scale are harmless.
    if (!/^0*$/.test(frac.slice(scale))) return null;
  }
  const digits = `${m[2]}${frac.slice(0, scale).padEnd(scale, '0')}`;
  const v = BigInt(digits);
  return m[1] === '-' ? -v : v;
};

/** Canonical text of `v / 10^scale`. */
export const fmtScaled = (v: bigint, scale: number): string => {
  if (v === 0n) return '0';
  const neg = v < 0n;
  let s = (neg ? -v : v).toString();
  if (scale > 0) {
    if (s.length <= scale) s = '0'.repeat(scale - s.length + 1) + s;
    const cut = s.length - scale;
    let end = s.length;
    while (end > cut && s.charCodeAt(end - 1) === 48 /* 0 */) end--;
    s = end === cut ? s.slice(0, cut) : `${s.slice(0, cut)}.${s.slice(cut, end)}`;
  }
  return neg ? `-${s}` : s;
};

/** n / d rounded half-even to an integer (d > 0). */
export const divHalfEven = (n: bigint, d: bigint): bigint => {
  const q = n / d; // truncates toward zero
  const r = n - q * d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const away = n < 0n ? q - 1n : q + 1n;
  if (twice > d) return away;
  if (twice < d) return q;
  return q % 2n === 0n ? q : away;
};

/**
 * The parts of a decimal text as doubles, for the per-quote path: `87000.15` → mantissa
 * 8700015, scale 2 (trailing zeros of the fraction dropped). False when the mantissa has
 * more than 15 digits or the scale is over `maxScale` (the caller takes the BigInt path).
 * Writes into `out` (no allocation per call).
 */
export const decimalParts = (text: string, maxScale: number, out: { m: number; s: number }): boolean => {
  const n = text.length;
  let i = 0;
  let neg = false;
  if (text.charCodeAt(0) === 45 /* - */) {
    neg = true;
    i = 1;
  }
  let m = 0;
  let digits = 0;
  let s = -1;
  let zeros = 0; // trailing zeros of the fraction, not yet in m
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (s >= 0) return false;
      s = 0;
      continue;
    }
    if (c < 48 || c > 57) return false;
    if (s >= 0) {
      s++;
      if (c === 48) {
        zeros++;
        continue;
      }
      for (; zeros > 0; zeros--) {
        m *= 10;
        if (m !== 0) digits++;
      }
    }
    m = m * 10 + (c - 48);
    if (m !== 0) digits++;
    if (digits > 15) return false;
  }
  if (s < 0) s = 0;
  s -= zeros;
  if (s > maxScale || (s === 0 && text.charCodeAt(n - 1) === 46)) return false;
  out.m = neg ? -m : m;
  out.s = s;
  return true;
};
