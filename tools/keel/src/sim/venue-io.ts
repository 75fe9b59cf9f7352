/**
 * The in-process simulations' stand-in for the gateway: a decider's child-order events go to
 * the simulated venue (rounded and checked as the gateway does, `prepareOrder`), and the
 * venue's answers come back as the decider's record commands, in an inbox the harness drains.
 * Shared by `keel twap-sim` and `keel roll-sim`.
 */
import * as E from 'fp-ts/Either';
import { ParentOrderCommand, ParentOrderEvent, Touch } from '@keel/execution-domain';
import { Instrument, prepareOrder, VenueAdapter, VenueError, VenueOrder } from '@keel/venue-domain';

export type Track = (
  p: Promise<E.Either<VenueError, VenueOrder>>,
  onRight: (v: VenueOrder) => void,
  onLeft: (e: VenueError) => void,
) => void;

/** Venue calls in flight, counted, so the harness can let them settle before the clock moves on. */
export const createTracker = (): { readonly track: Track; pending(): number } => {
  let pending = 0;
  return {
    track: (p, onRight, onLeft) => {
      pending++;
      void p.then((r) => {
        pending--;
        if (E.isRight(r)) onRight(r.right);
        else onLeft(r.left);
      });
    },
    pending: () => pending,
  };
};

/** Send one decider event to the venue (child orders and cancels; others are ignored). */
export const sendToVenue = (
  ev: ParentOrderEvent,
  o: {
    readonly instrument: Instrument;
    readonly venue: Pick<VenueAdapter, 'placeOrder' | 'cancelOrder'>;
    readonly touch: Touch | null;
    readonly inbox: ParentOrderCommand[];
    readonly now: () => number;
    readonly track: Track;
  },
): void => {
  const { instrument, venue, touch, inbox, now, track } = o;
  const symbol = instrument.symbol;
  if (ev.type === 'ChildOrderRequested') {
    const cid = ev.clientOrderId;
    const prepared = prepareOrder(
      instrument,
      {
        symbol,
        clientOrderId: cid,
        side: ev.side,
        type: ev.orderType,
        qty: ev.qty,
        price: ev.limitPrice,
        timeInForce: ev.postOnly ? 'PO' : 'IOC',
        reduceOnly: false,
      },
      { referencePrice: touch ? (ev.side === 'buy' ? touch.ask : touch.bid) : null },
    );
    if (E.isLeft(prepared)) {
      inbox.push({ type: 'RecordRejected', clientOrderId: cid, code: prepared.left.code, now: now() });
      return;
    }
    track(
      venue.placeOrder(prepared.right)(),
      (v) => {
        inbox.push({ type: 'RecordAccepted', clientOrderId: cid, now: now() });
        if (v.status !== 'open' && v.status !== 'partiallyFilled')
          inbox.push({ type: 'RecordClosed', clientOrderId: cid, now: now() });
      },
      (e) =>
        inbox.push({
          type: 'RecordRejected',
          clientOrderId: cid,
          code: e._tag === 'VenueRejected' ? e.code : e._tag,
          now: now(),
        }),
    );
  } else if (ev.type === 'CancelRequested') {
    const cid = ev.clientOrderId;
    // Either way the order is off the book: cancelled now, or already filled / closed.
    const closed = () => inbox.push({ type: 'RecordClosed', clientOrderId: cid, now: now() });
    track(venue.cancelOrder(symbol, cid)(), closed, closed);
  }
};

/**
 * `--qty -3` must reach the command's own check (and its message), not parseArgs'
 * "ambiguous" error: join a flag and a negative number that follows it as `--flag=-3`.
 */
export const joinNegativeValues = (args: readonly string[]): string[] => {
  const argv: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = args[i + 1];
    if (/^--[a-z-]+$/.test(a) && next !== undefined && /^-\d/.test(next)) {
      argv.push(`${a}=${next}`);
      i++;
    } else argv.push(a);
  }
  return argv;
};
