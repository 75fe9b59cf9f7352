/**
 * The soak's exchange: the simulator replaying the plan's bars, wrapped to misbehave like a real
 * venue (`misbehavingVenue`: sends answered with a timeout and applied later while look-ups say
 * "does not exist", cancelled orders forgotten, fills listed late or left out of a read), and
 * served to the gateway over loopback HTTP from the soak's own process, so it outlives every
 * kill. Between the two it counts what the venue really applied: each placement by client order
 * id (a second one would be a duplicate order at the exchange).
 */
import * as E from 'fp-ts/Either';
import { Clock } from '@keel/clock';
import { Fill, Position } from '@keel/venue-domain';
import {
  countingPlacements,
  loadSimMarkets,
  misbehavingVenue,
  MisbehavingVenue,
  serveVenue,
  startSimVenueOn,
} from '@keel/venue-sim';
import { SOAK_ACCOUNT, SoakPlan } from './soak.plan';

export interface SoakVenue {
  readonly url: string;
  /** Placements the simulator applied, by client order id. */
  readonly applied: ReadonlyMap<string, number>;
  fills(): readonly Fill[];
  positions(): Promise<readonly Position[]>;
  stats(): ReturnType<MisbehavingVenue['stats']>;
  close(): Promise<void>;
}

export const hostSoakVenue = async (plan: SoakPlan, clock: Clock): Promise<E.Either<string, SoakVenue>> => {
  const markets = await loadSimMarkets([plan.market]);
  if (E.isLeft(markets)) return markets;
  const sim = startSimVenueOn({
    venue: 'binanceusdm-sim',
    accountId: SOAK_ACCOUNT,
    clock,
    markets: markets.right,
    balances: { USDT: '1000000' },
  });
  const counted = countingPlacements(sim);
  const venue = misbehavingVenue(counted.adapter, clock, plan.misbehaviour);
  const server = await serveVenue(venue);
  return E.right({
    url: server.url,
    applied: counted.applied,
    fills: () => sim.allFills(),
    positions: async () => {
      const p = await sim.fetchPositions()();
      if (E.isLeft(p)) throw new Error(`the simulator's positions: ${JSON.stringify(p.left)}`);
      return p.right;
    },
    stats: () => venue.stats(),
    close: async () => {
      await server.close();
      await sim.close();
    },
  });
};
