/**
 * The paper session's exchanges: one simulator per account, replaying the plan's recorded
 * markets on the session's clock, hosted in the `keel demo` process and served to the gateways
 * over loopback HTTP (`serveVenue`). They live outside the gateways on purpose: a gateway that
 * is killed and restarted (`--chaos`) finds the venue as it left it — its open orders, fills,
 * positions and balances — as it would a real exchange.
 *
 * Hosting them here also gives the invariants the venue's own side of the story: every
 * `placeOrder` that reached the venue, by client order id, and every fill the venue made.
 */
import * as E from 'fp-ts/Either';
import { Clock } from '@keel/clock';
import { Fill, OrderRequest } from '@keel/venue-domain';
import {
  loadSimMarkets,
  parseBalances,
  serveVenue,
  SimulatedVenue,
  startSimVenueOn,
  VenueServer,
} from '@keel/venue-sim';
import type { DemoVenue } from './demo.plan';

export interface HostedVenue {
  readonly plan: DemoVenue;
  readonly venue: SimulatedVenue;
  readonly url: string;
  /** How many times each client order id reached the venue (placeOrder calls). */
  readonly placements: ReadonlyMap<string, number>;
  fills(): readonly Fill[];
}

export interface VenueHost {
  readonly venues: readonly HostedVenue[];
  close(): Promise<void>;
}

export const hostVenues = async (
  venues: readonly DemoVenue[],
  clock: Clock,
): Promise<E.Either<string, VenueHost>> => {
  const hosted: HostedVenue[] = [];
  const servers: VenueServer[] = [];
  for (const plan of venues) {
    const markets = await loadSimMarkets(plan.markets);
    if (E.isLeft(markets)) return E.left(`${plan.venue}: ${markets.left}`);
    const balances = parseBalances(plan.balances);
    if (E.isLeft(balances)) return E.left(`${plan.venue}: ${balances.left}`);
    const venue = startSimVenueOn({
      venue: plan.venue,
      accountId: plan.accountId,
      clock,
      markets: markets.right,
      balances: balances.right,
    });
    const placements = new Map<string, number>();
    const server = await serveVenue(venue, {
      onCall: (call, args) => {
        if (call !== 'placeOrder') return;
        const id = (args[0] as OrderRequest | undefined)?.clientOrderId;
        if (id !== undefined) placements.set(id, (placements.get(id) ?? 0) + 1);
      },
    });
    servers.push(server);
    hosted.push({ plan, venue, url: server.url, placements, fills: () => venue.allFills() });
  }
  return E.right({
    venues: hosted,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
      // Each simulator keeps a timer on the clock for its next market event: close them all.
      await Promise.all(hosted.map((h) => h.venue.close()));
    },
  });
};
