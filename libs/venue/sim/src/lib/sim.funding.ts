/**
 * Perpetual funding in the simulator: when it is settled and how much.
 *
 * The recorded data in /work/shared/data/market (and this project's test-data slices) has
 * trades, quotes, depth and bars but **no funding rates and no mark price**, so the
 * simulator settles funding at a configured constant rate (`fundingRate`, default 0.01 % per
 * 8 h, Binance's base rate when the premium index is zero) against the mark it can see: the
 * mid of the instrument's last quote, or its last print on a trade-only tape.
 *
 * Schedule: every 8 h at 00:00, 08:00 and 16:00 UTC of the data's time (multiples of 8 h
 * since the epoch). Amount, signed from the account: −position × contractSize × mark × rate
 * (a long pays a positive rate, a short receives it), exact (no rounding). Pure.
 */
import Decimal from 'decimal.js';
import { exact, Instrument } from '@keel/venue-domain';

export const FUNDING_INTERVAL_MS = 8 * 3_600_000;

/** Binance's base funding rate per 8 h (interest 0.03 %/day, premium 0): the default constant. */
export const DEFAULT_SIM_FUNDING_RATE = '0.0001';

/** The first funding instant strictly after `t` (epoch ms, data time). */
export const nextFundingAfter = (t: number): number =>
  (Math.floor(t / FUNDING_INTERVAL_MS) + 1) * FUNDING_INTERVAL_MS;

/** What the account receives (positive) or pays (negative) for holding `qty` at one funding instant. */
export const fundingAmount = (i: Instrument, qty: Decimal, mark: Decimal, rate: Decimal): Decimal => {
  const amount = exact(qty).times(i.contractSize).times(mark).times(rate).neg();
  return amount.isZero() ? exact(0) : amount;
};

/** The simulator's id of one payment: one per instrument per funding instant. */
export const simFundingId = (i: Instrument, at: number): string => `sim-funding-${i.venueSymbol}-${at}`;
