/**
 * The market marking of a prediction for an instrument with an exchange calendar: the market
 * state when it arrived and from when it may be acted on (the next open when it came while the
 * market was closed). prediction-ingest writes it on `PredictionReceived` (catalog v3 on);
 * cme-rollover holds what follows from it until `effectiveAt` (docs/cme.md).
 */
import * as E from 'fp-ts/Either';
import { ValidationError } from '@keel/events';
import { marketState, MarketStateName } from './market-state';

export interface ArrivalMarking {
  readonly state: MarketStateName;
  readonly receivedWhileClosed: boolean;
  readonly receivedAt: string;
  readonly effectiveAt: string;
}

/**
 * Marks a prediction for `instrument` received at `receivedAt` (epoch ms): for a CME root
 * (`CME:<ROOT>` of @keel/calendar) the market state then and from when it applies; null for an
 * instrument without an exchange calendar (crypto, 24/7). Errors name `at` (outside 2024–2027).
 */
export const markArrival = (
  instrument: string,
  receivedAt: number,
): E.Either<ValidationError, ArrivalMarking | null> => {
  const m = /^CME:([A-Z0-9]{1,8})$/.exec(instrument);
  if (m === null || m[1] === undefined) return E.right(null);
  const st = marketState(m[1], receivedAt);
  if (E.isLeft(st)) return st;
  const open = st.right.state === 'open';
  const iso = (t: number): string => new Date(t).toISOString();
  return E.right({
    state: st.right.state,
    receivedWhileClosed: !open,
    receivedAt: iso(receivedAt),
    effectiveAt: iso(open ? receivedAt : Date.parse(st.right.nextOpen)),
  });
};
