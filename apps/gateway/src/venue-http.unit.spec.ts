/** The loopback venue shim carries every call, decimals exactly, errors as errors, and weights. */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { createCountingAdapter } from '@keel/venue-engine/testing';
import { httpVenueAdapter, serveVenue, VenueServer } from '@keel/venue-sim';

let server: VenueServer;
const inner = createCountingAdapter({ venue: 'count', accountId: 'acc-http' });

beforeAll(async () => {
  server = await serveVenue(inner);
});
afterAll(() => server.close());

it('round-trips orders with exact decimals, look-ups, errors and weights', async () => {
  const a = await httpVenueAdapter(server.url);
  if (E.isLeft(a)) throw new Error(JSON.stringify(a.left));
  const venue = a.right;
  expect([venue.venue, venue.accountId, venue.weight('fetchBalances')]).toEqual([
    'count',
    'acc-http',
    inner.weight('fetchBalances'),
  ]);
  const order = {
    symbol: 'BTC/USDT:USDT',
    clientOrderId: 'c1',
    side: 'buy' as const,
    type: 'limit' as const,
    qty: new Decimal('0.123456789'),
    price: new Decimal('60000.1'),
    timeInForce: 'GTC' as const,
    reduceOnly: false,
  };
  const placed = await venue.placeOrder(order)();
  if (E.isLeft(placed)) throw new Error(JSON.stringify(placed.left));
  expect(Decimal.isDecimal(placed.right.qty)).toBe(true);
  expect(placed.right.qty.toFixed()).toBe('0.123456789');
  const found = await venue.fetchOrderByClientId('BTC/USDT:USDT', 'c1')();
  expect(E.isRight(found) && found.right?.clientOrderId).toBe('c1');
  const missing = await venue.fetchOrderByClientId('BTC/USDT:USDT', 'nope')();
  expect(missing).toEqual(E.right(null));
  expect(inner.counts()['placeOrder']).toBe(1);
});

it('reports an unreachable venue as a timeout (outcome unknown), never as a rejection', async () => {
  const a = await httpVenueAdapter(server.url, 2000);
  if (E.isLeft(a)) throw new Error(JSON.stringify(a.left));
  await server.close();
  const r = await a.right.fetchBalances()();
  expect(E.isLeft(r) && r.left._tag).toBe('VenueTimeout');
  server = await serveVenue(inner);
});
