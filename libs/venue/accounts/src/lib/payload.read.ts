/**
 * Reading a venue body field by field, each failure naming its payload path and value. The
 * models use these instead of `new Decimal(x)` so that "NaN", "", 1e21, a float the venue sent
 * as a number, or a missing field rejects the answer rather than becoming a figure.
 */
import * as E from 'fp-ts/Either';
import Decimal from 'decimal.js';
import { exact } from '@keel/instruments';
import { AccountPayloadError } from './account.model';

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** JSON of a value, cut to 256 characters (the event's limit). */
export const shown = (v: unknown): string => {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 256 ? `${s.slice(0, 253)}...` : s;
};

export const payloadError = (path: string, value: unknown, message: string): AccountPayloadError => ({
  path,
  value: shown(value),
  message: `${path}: ${message} (got ${shown(value)})`,
});

/** Thrown inside a model, caught at its boundary (`runModel`): the first bad field wins. */
export class PayloadFault extends Error {
  constructor(readonly error: AccountPayloadError) {
    super(error.message);
  }
}

export const fail = (path: string, value: unknown, message: string): never => {
  throw new PayloadFault(payloadError(path, value, message));
};

/** Runs a model body, turning the first PayloadFault into a Left. */
export const runModel = <A>(body: () => A): E.Either<AccountPayloadError, A> => {
  try {
    return E.right(body());
  } catch (e) {
    if (e instanceof PayloadFault) return E.left(e.error);
    throw e;
  }
};

/** A plain decimal: a string like `-12.5` (or a safe JSON integer/number written without exponent). */
export const dec = (v: unknown, path: string): Decimal => {
  if (typeof v === 'string' && DECIMAL.test(v.trim())) return new Decimal(v.trim());
  if (typeof v === 'number' && Number.isFinite(v) && DECIMAL.test(String(v))) return new Decimal(String(v));
  return fail(path, v, 'is not a decimal');
};

/** A decimal that cannot be negative at this venue. */
export const nonNeg = (v: unknown, path: string): Decimal => {
  const d = dec(v, path);
  return d.isNegative() && !d.isZero() ? fail(path, v, 'is negative, which the venue never reports') : d;
};

/** A decimal, or null when the venue sends an empty string / null / nothing (a field it leaves unset). */
export const optDec = (v: unknown, path: string): Decimal | null =>
  v === undefined || v === null || v === '' ? null : dec(v, path);

/** A positive decimal, or null when unset or zero (prices the venue leaves at 0 when unknown). */
export const optPrice = (v: unknown, path: string): Decimal | null => {
  const d = optDec(v, path);
  if (d === null || d.isZero()) return null;
  return d.isNegative() ? fail(path, v, 'is a negative price') : d;
};

export const obj = (v: unknown, path: string): Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : fail(path, v, 'is not an object');

export const arr = (v: unknown, path: string): readonly unknown[] =>
  Array.isArray(v) ? v : fail(path, v, 'is not a list');

export const str = (v: unknown, path: string): string =>
  typeof v === 'string' && v.length > 0 ? v : fail(path, v, 'is not a non-empty string');

/** Epoch ms from a venue's integer time (string or number). */
export const epochMs = (v: unknown, path: string): number => {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : fail(path, v, 'is not a time in epoch ms');
};

/** Checks a wallet balance's invariant: total = free + locked, all non-negative. */
export const walletBalance = (
  asset: string,
  total: Decimal,
  free: Decimal,
  locked: Decimal,
  path: string,
): { readonly asset: string; readonly total: Decimal; readonly free: Decimal; readonly locked: Decimal } => {
  // Exact: decimal.js rounds a sum to 20 significant digits, so a long balance would not add up.
  if (!exact(free).plus(locked).equals(total))
    fail(
      path,
      { total: total.toFixed(), free: free.toFixed(), locked: locked.toFixed() },
      'total ≠ free + locked',
    );
  return { asset, total, free, locked };
};
