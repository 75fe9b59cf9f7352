/**
 * A cancel the venue answers with more filled than the log holds: fills happened that the
 * polling cycle has not recorded yet. Recording the cancel first would tell execution the child
 * is over with less filled than it was, and a superseding parent order would start from a
 * position that is short of those fills — it would trade them again (seen in a paper session: a
 * cancelled child reported filledQty 4 with 1 fill recorded; the next parent sold 7 from +3 and
 * took the position to −7, past the target and the instrument's cap). So the gateway records
 * the missing fills of that order, read from the venue, before the cancel, in one append.
 */
import Decimal from 'decimal.js';
import { Fill } from '@keel/venue-domain';
import type { PlacementFact } from './order-placement';

/** The filled quantity a cancel's answer reports beyond what the log holds for the order (0 when none). */
export const unrecordedFilled = (facts: readonly PlacementFact[], loggedFilledQty: string): Decimal => {
  const cancelled = facts.find((f) => f.type === 'OrderCancelled');
  if (cancelled === undefined || cancelled.type !== 'OrderCancelled') return new Decimal(0);
  const gap = new Decimal(cancelled.filledQty).minus(loggedFilledQty);
  return gap.gt(0) ? gap : new Decimal(0);
};

/** The venue's fills of `clientOrderId`, in the venue's order: what to record before its cancel (ids already recorded are skipped by `fillEvents`). */
export const fillsOfOrder = (fills: readonly Fill[], clientOrderId: string): readonly Fill[] =>
  fills.filter((f) => f.clientOrderId === clientOrderId);
