/**
 * Whole-contract targets from a fractional target (micro futures), with hysteresis: the
 * current position is kept while it is within 0.5 + hysteresis of the target, so a target that
 * wanders around x.5 does not buy and sell one contract on every update. Once outside that
 * band, the target is rounded to the nearest whole contract (halves away from zero). The
 * result is always within 0.5 + hysteresis of the target.
 */
import * as E from 'fp-ts/Either';
import { validationError, ValidationError } from '@keel/events';

export const DEFAULT_HYSTERESIS = 0.25;

/** Round half away from zero, symmetric for longs and shorts. */
const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

export const roundContracts = (
  targetFractional: number,
  currentWhole: number,
  hysteresis: number = DEFAULT_HYSTERESIS,
): E.Either<ValidationError, number> => {
  if (!Number.isFinite(targetFractional))
    return E.left(validationError('targetFractional', targetFractional, 'must be a finite number'));
  if (!Number.isInteger(currentWhole))
    return E.left(validationError('currentWhole', currentWhole, 'must be a whole number of contracts'));
  if (!(hysteresis >= 0 && hysteresis < 0.5))
    return E.left(validationError('hysteresis', hysteresis, 'must be in [0, 0.5)'));
  if (Math.abs(targetFractional - currentWhole) <= 0.5 + hysteresis) return E.right(currentWhole + 0);
  // `+ 0` turns -0 into 0 so a flat result is always 0.
  return E.right(roundHalfAway(targetFractional) + 0);
};
