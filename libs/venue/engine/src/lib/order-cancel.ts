/**
 * Cancelling an order (ChildOrderCancelRequested → OrderCancelled). Unlike a placement, a cancel is safe
 * to repeat, but its outcome still has to be established: after a timeout, an "unknown order"
 * answer or a cancel that raced a fill, the gateway looks the order up by client order id and
 * records what the venue says. A filled order is not cancelled: its fills say what happened.
 *
 * A pure decider (`decideCancel`) and a shell (`runCancel`) in the same shape as placement.
 * Not a `Decider` (@keel/decider) for the same reason as placement (order-placement.ts): an
 * in-memory workflow whose state is not a fold of its facts, with a next action as output.
 */
import * as E from 'fp-ts/Either';
import { VenueAdapter, VenueError, VenueOrder } from '@keel/venue-domain';
import { PlacementFact } from './order-placement';

export type CancelState =
  | { readonly status: 'Idle' }
  | {
      readonly status: 'Cancelling';
      readonly instrument: string;
      readonly clientOrderId: string;
      readonly sends: number;
    }
  | {
      readonly status: 'InDoubt';
      readonly instrument: string;
      readonly clientOrderId: string;
      readonly sends: number;
      readonly lookups: number;
    }
  | { readonly status: 'Done'; readonly outcome: 'cancelled' | 'filled' | 'halted' };

export const initialCancel: CancelState = { status: 'Idle' };

export type CancelInput =
  | { readonly type: 'Requested'; readonly instrument: string; readonly clientOrderId: string }
  | { readonly type: 'CancelAnswered'; readonly result: E.Either<VenueError, VenueOrder> }
  | { readonly type: 'LookupAnswered'; readonly result: E.Either<VenueError, VenueOrder | null> };

export type CancelAction =
  { readonly _tag: 'cancel' | 'lookUp'; readonly afterMs: number } | { readonly _tag: 'none' };

export interface CancelSettings {
  readonly lookupDelayMs: number;
  readonly retryMs: number;
  /** Cancels sent at most (a venue that keeps the order open after this many is left to the next cycle). */
  readonly maxSends: number;
}

export const DEFAULT_CANCEL_SETTINGS: CancelSettings = { lookupDelayMs: 500, retryMs: 1_000, maxSends: 5 };

export interface CancelStep {
  readonly state: CancelState;
  readonly facts: readonly Extract<PlacementFact, { type: 'OrderCancelled' }>[];
  readonly next: CancelAction;
}

const NONE: CancelAction = { _tag: 'none' };

/** What the venue's view of the order means for the cancel. */
const settle = (
  s: Extract<CancelState, { status: 'Cancelling' | 'InDoubt' }>,
  o: VenueOrder | null,
  settings: CancelSettings,
): CancelStep => {
  if (o === null)
    return {
      state: { status: 'Done', outcome: 'cancelled' },
      facts: [{ type: 'OrderCancelled', filledQty: '0', reason: 'the venue does not know the order' }],
      next: NONE,
    };
  switch (o.status) {
    case 'cancelled':
    case 'expired':
    case 'rejected':
      return {
        state: { status: 'Done', outcome: 'cancelled' },
        facts: [
          {
            type: 'OrderCancelled',
            filledQty: o.filledQty.toFixed(),
            reason: `venue reports the order ${o.status}`,
          },
        ],
        next: NONE,
      };
    case 'filled':
      return { state: { status: 'Done', outcome: 'filled' }, facts: [], next: NONE };
    case 'open':
    case 'partiallyFilled':
      // Still on the book: cancel again (a cancel is idempotent), a bounded number of times.
      return s.sends >= settings.maxSends
        ? {
            state: {
              status: 'InDoubt',
              instrument: s.instrument,
              clientOrderId: s.clientOrderId,
              sends: s.sends,
              lookups: 0,
            },
            facts: [],
            next: NONE,
          }
        : {
            state: {
              status: 'Cancelling',
              instrument: s.instrument,
              clientOrderId: s.clientOrderId,
              sends: s.sends + 1,
            },
            facts: [],
            next: { _tag: 'cancel', afterMs: settings.retryMs },
          };
    default: {
      const never: never = o.status;
      return never;
    }
  }
};

export const decideCancel = (
  state: CancelState,
  input: CancelInput,
  settings: CancelSettings = DEFAULT_CANCEL_SETTINGS,
): CancelStep => {
  switch (input.type) {
    case 'Requested':
      return state.status !== 'Idle'
        ? { state, facts: [], next: NONE }
        : {
            state: {
              status: 'Cancelling',
              instrument: input.instrument,
              clientOrderId: input.clientOrderId,
              sends: 1,
            },
            facts: [],
            next: { _tag: 'cancel', afterMs: 0 },
          };
    case 'CancelAnswered': {
      if (state.status !== 'Cancelling') return { state, facts: [], next: NONE };
      const r = input.result;
      if (E.isRight(r)) return settle(state, r.right, settings);
      const inDoubt = (afterMs: number): CancelStep => ({
        state: { ...state, status: 'InDoubt', lookups: 0 },
        facts: [],
        next: { _tag: 'lookUp', afterMs },
      });
      switch (r.left._tag) {
        case 'VenueRateLimited':
          return { state, facts: [], next: { _tag: 'cancel', afterMs: r.left.retryAfterMs } };
        case 'VenueAuthFailed':
          return { state: { status: 'Done', outcome: 'halted' }, facts: [], next: NONE };
        case 'VenueRejected':
          // "Unknown order" usually means it filled or was cancelled already: ask what it is.
          return inDoubt(0);
        case 'VenueTimeout':
        case 'VenueUnavailable':
        case 'VenueMalformed':
          return inDoubt(settings.lookupDelayMs);
        default: {
          const never: never = r.left;
          return never;
        }
      }
    }
    case 'LookupAnswered': {
      if (state.status !== 'InDoubt') return { state, facts: [], next: NONE };
      const r = input.result;
      if (E.isLeft(r)) {
        const lookups = state.lookups + 1;
        return {
          state: { ...state, lookups },
          facts: [],
          next: { _tag: 'lookUp', afterMs: settings.retryMs * 2 ** Math.min(lookups, 4) },
        };
      }
      return settle(state, r.right, settings);
    }
    default: {
      const never: never = input;
      return never;
    }
  }
};

/** Run one cancel to its end (or until `maxLookups` failed look-ups). */
export const runCancel = async (
  input: Extract<CancelInput, { type: 'Requested' }>,
  ports: {
    readonly venue: VenueAdapter;
    readonly sleep: (ms: number) => Promise<void>;
    readonly settings?: CancelSettings;
    readonly maxLookups?: number;
  },
): Promise<{ readonly state: CancelState; readonly facts: CancelStep['facts'] }> => {
  const settings = ports.settings ?? DEFAULT_CANCEL_SETTINGS;
  const maxLookups = ports.maxLookups ?? 20;
  const facts: CancelStep['facts'][number][] = [];
  let s = decideCancel(initialCancel, input, settings);
  for (;;) {
    facts.push(...s.facts);
    const { state, next } = s;
    if (next._tag === 'none' || state.status === 'Idle' || state.status === 'Done') return { state, facts };
    if (state.status === 'InDoubt' && state.lookups >= maxLookups) return { state, facts };
    if (next.afterMs > 0) await ports.sleep(next.afterMs);
    s =
      next._tag === 'cancel'
        ? decideCancel(
            state,
            {
              type: 'CancelAnswered',
              result: await ports.venue.cancelOrder(state.instrument, state.clientOrderId)(),
            },
            settings,
          )
        : decideCancel(
            state,
            {
              type: 'LookupAnswered',
              result: await ports.venue.fetchOrderByClientId(state.instrument, state.clientOrderId)(),
            },
            settings,
          );
  }
};
