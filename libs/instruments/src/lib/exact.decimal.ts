/**
 * Exact decimal arithmetic for money. decimal.js rounds every result to 20 significant
 * digits by default; a fee is a product of four decimals (qty × price × contractSize ×
 * rate) and can need more, so money maths goes through this high-precision constructor.
 * Its instances are ordinary `Decimal`s (decimal.js clones share one prototype).
 */
import Decimal from 'decimal.js';

export const ExactDecimal = Decimal.clone({ precision: 200, rounding: Decimal.ROUND_HALF_EVEN });

/** Re-home a value on the exact constructor so the next operations on it do not round. */
export const exact = (value: Decimal.Value): Decimal => new ExactDecimal(value);

/**
 * Back on the ordinary constructor, digits unchanged (decimal.js never rounds on
 * construction). Public results are plain so callers' `toEqual(new Decimal(…))` holds;
 * code that computes with them goes through `exact` again.
 */
export const plain = (value: Decimal): Decimal => new Decimal(value);
