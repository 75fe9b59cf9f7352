/**
 * The TWAP schedule: how much of a parent order should be done by a given instant.
 *
 * The interval [from, to) is cut into slices of equal duration; each slice carries a weight
 * (equal by default; any non-negative profile, e.g. an intraday volume curve). The target is
 * `base + (total − base) × cumulative weight fraction`, interpolated linearly inside a slice,
 * and floored to the lot so a target is always a quantity the venue can trade. `base` lets a
 * resumed or re-planned order spread only what is left over what time is left.
 *
 * Pure. Quantities are exact decimals (a target is `base` + a whole number of lots); the
 * weights and the time fraction are statistics (plain numbers), as ARCHITECTURE.md allows.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';

export interface Schedule {
  /** Epoch ms at which the schedule starts (a resumed order re-bases here). */
  readonly from: number;
  /** Epoch ms by which everything should be done (the deadline). */
  readonly to: number;
  /** Quantity already done at `from`. */
  readonly base: Decimal;
  /** Quantity to have done by `to`. */
  readonly total: Decimal;
  /** One weight per slice, ≥ 0, not all 0; the slice count is its length. */
  readonly weights: readonly number[];
  readonly lot: Decimal;
}

/** Equal slices: the default time profile. */
export const equalProfile = (slices: number): readonly number[] => Array.from({ length: slices }, () => 1);

/** Why a schedule cannot be made: the offending field and the reason. */
export interface ScheduleProblem {
  readonly field: 'deadline' | 'slices' | 'profile' | 'qty';
  readonly message: string;
}

/** A validated schedule, or a reason naming the offending field. */
export const makeSchedule = (s: Schedule): E.Either<ScheduleProblem, Schedule> => {
  if (!Number.isFinite(s.from) || !Number.isFinite(s.to) || s.to <= s.from)
    return E.left({ field: 'deadline', message: 'must be after the start' });
  if (s.weights.length < 1) return E.left({ field: 'slices', message: 'needs at least one slice' });
  if (s.weights.some((w) => !Number.isFinite(w) || w < 0) || s.weights.every((w) => w === 0))
    return E.left({ field: 'profile', message: 'weights must be finite, ≥ 0 and not all 0' });
  if (s.total.lt(s.base)) return E.left({ field: 'qty', message: 'total must not be below what is done' });
  return E.right(s);
};

export const sliceCount = (s: Schedule): number => s.weights.length;

/** Duration of one slice, ms (the last slice absorbs integer rounding). */
export const sliceMs = (s: Schedule): number => Math.floor((s.to - s.from) / s.weights.length);

/** The slice that `t` falls in, clamped to [0, n − 1]. */
export const sliceIndexAt = (s: Schedule, t: number): number => {
  const n = s.weights.length;
  if (t <= s.from) return 0;
  return Math.min(n - 1, Math.floor((t - s.from) / sliceMs(s)));
};

/** Start of slice k (epoch ms). */
export const sliceStart = (s: Schedule, k: number): number => s.from + k * sliceMs(s);

/** End of slice k (epoch ms); the last ends at `to`. */
export const sliceEnd = (s: Schedule, k: number): number =>
  k >= s.weights.length - 1 ? s.to : s.from + (k + 1) * sliceMs(s);

interface Derived {
  readonly cum: readonly number[];
  readonly sum: number;
  /** (total − base) in lots, as a float (exact for any realistic lot count). */
  readonly lots: number;
}

// Derived numbers of a schedule, computed once per schedule value: targets are asked for on
// every tick, and decimal arithmetic there dominated a simulation's run time. A cache keyed
// by the (immutable) schedule object changes no result.
const derivedCache = new WeakMap<Schedule, Derived>();
const derived = (s: Schedule): Derived => {
  const hit = derivedCache.get(s);
  if (hit) return hit;
  const cum: number[] = [];
  let acc = 0;
  for (const w of s.weights) cum.push((acc += w));
  const d: Derived = { cum, sum: acc, lots: s.total.minus(s.base).div(s.lot).toNumber() };
  derivedCache.set(s, d);
  return d;
};

/** The fraction of the work due by time t, in [0, 1] (a schedule weight: a plain number). */
export const fractionAt = (s: Schedule, t: number): number => {
  if (t <= s.from) return 0;
  if (t >= s.to) return 1;
  const { cum, sum } = derived(s);
  const k = sliceIndexAt(s, t);
  const before = k === 0 ? 0 : (cum[k - 1] as number);
  const a = sliceStart(s, k);
  const b = sliceEnd(s, k);
  return Math.min(1, (before + ((s.weights[k] as number) * (t - a)) / (b - a)) / sum);
};

// Float error must not lose a whole lot at an exact boundary (e.g. 0.29 × 100 = 28.999…96).
const EPS = 1e-9;

/**
 * The quantity that should be done by t (linear inside a slice): `base` plus a whole number
 * of lots, never more than `total`. The fraction is a float; the quantity is exact.
 */
export const targetAt = (s: Schedule, t: number): Decimal => {
  if (t >= s.to) return s.total;
  const lots = Math.floor(derived(s).lots * fractionAt(s, t) + EPS);
  return lots <= 0 ? s.base : Decimal.min(s.total, s.lot.times(lots).plus(s.base));
};

/** The quantity that should be done by the end of slice k, floored to the lot. */
export const targetByEndOf = (s: Schedule, k: number): Decimal => targetAt(s, sliceEnd(s, k));

/** Quantity of slice k on its own (target at its end − target at its start). */
export const sliceQty = (s: Schedule, k: number): Decimal =>
  targetByEndOf(s, k).minus(targetAt(s, sliceStart(s, k)));

/** The average slice quantity: the unit in which schedule lag is reported. */
export const meanSliceQty = (s: Schedule): Decimal => s.total.minus(s.base).div(s.weights.length);

/** How far `done` trails the schedule at t, in quantity (≤ 0 when ahead). */
export const lagAt = (s: Schedule, t: number, done: Decimal): Decimal => targetAt(s, t).minus(done);

/** Lag in slices (average slice quantity as the unit); 0 for an empty schedule. */
export const lagInSlices = (s: Schedule, t: number, done: Decimal): number => {
  const unitLots = derived(s).lots / s.weights.length;
  return unitLots === 0 ? 0 : lagAt(s, t, done).div(s.lot).toNumber() / unitLots;
};

/**
 * The earliest instant in [after, to] at which the target exceeds `qty`, or null if it
 * never does. The target is non-decreasing in time, so a binary search over whole ms finds
 * it; the search compares lot counts as numbers (the same formula as `targetAt`), so it is
 * cheap enough to run after every decision.
 */
export const firstTimeAbove = (s: Schedule, qty: Decimal, after: number): number | null => {
  if (!s.total.gt(qty)) return null;
  const d = derived(s);
  // target > qty ⟺ base + n × lot > qty ⟺ n ≥ need (n whole lots before `to`).
  const need = qty.lt(s.base) ? 0 : Math.floor(qty.minus(s.base).div(s.lot).toNumber() + EPS) + 1;
  const lotsAt = (t: number): number => (t >= s.to ? Infinity : Math.floor(d.lots * fractionAt(s, t) + EPS));
  let lo = Math.max(after, s.from);
  if (lotsAt(lo) >= need) return lo;
  let hi = s.to; // the target is the total there, above qty
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (lotsAt(mid) >= need) hi = mid;
    else lo = mid;
  }
  return hi;
};
