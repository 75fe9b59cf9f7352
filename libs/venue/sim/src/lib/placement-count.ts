/**
 * Any `VenueAdapter`, counting the placements it applied (answered with an order) per client
 * order id: a second one for an id is a duplicate order at the venue. Kill tests, `keel soak`
 * and the gateway's replay spec put it between the simulator and the misbehaving wrapper, so
 * it counts what the exchange really took, not what was sent.
 */
import * as E from 'fp-ts/Either';
import { VenueAdapter } from '@keel/venue-domain';

export interface PlacementCount {
  readonly adapter: VenueAdapter;
  /** Placements applied, by client order id. */
  readonly applied: ReadonlyMap<string, number>;
}

export const countingPlacements = (inner: VenueAdapter): PlacementCount => {
  const applied = new Map<string, number>();
  return {
    applied,
    adapter: {
      ...inner,
      placeOrder: (o) => async () => {
        const r = await inner.placeOrder(o)();
        // Applied: the venue took it (a duplicate client id it refuses is not a second order).
        if (E.isRight(r)) applied.set(o.clientOrderId, (applied.get(o.clientOrderId) ?? 0) + 1);
        return r;
      },
    },
  };
};
