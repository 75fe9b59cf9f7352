/**
 * A command the start-up replay reacts to again is judged by the log as it stood at start, not
 * only by the state at the command. Found by `keel soak`: a gateway killed before its first
 * snapshot replays from the start and reacts again to every order request with the state *at*
 * that request, which does not hold the OrderAccepted and OrderCancelled an earlier run
 * recorded after it. The order is then "in doubt"; the venue has forgotten it (cancelled
 * orders are forgotten: Binance after 3 days, here at once), so every look-up says "does not
 * exist" and, after the not-found horizon, the order was sent a second time.
 *
 * Real parts: the simulator on recorded Binance USD-M BTCUSDT data behind `misbehavingVenue`,
 * the embedded SQLite store, the runtime's own replay (`runEngine`); the bus is the in-memory
 * one (nothing is published on it: the replay is what is under test).
 */
import Decimal from 'decimal.js';
import { Registry } from 'prom-client';
import { createMemoryBus } from '@keel/bus';
import { createRealClock } from '@keel/clock';
import { createLogger, runEngine } from '@keel/runtime';
import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { countingPlacements, createSimulatedVenue, loadMarket, misbehavingVenue } from '@keel/venue-sim';
import { SIM_BTCUSDT_ENGINE } from '../testing/engine.settings';
import {
  childOrderRequest,
  ok,
  RECORDED_BTC_MINUTE,
  recordedBy,
  sqliteStorePerTest,
} from '../testing/engine.store.fixture';
import { createVenueEngine } from './venue.engine';
import { venueStream } from './gateway.app';

const account = 'replay-1';
const BTC = BINANCE_USDM_BTCUSDT.symbol;

describe('venue engine replay: a request an earlier run placed and closed is not placed again', () => {
  const fixture = sqliteStorePerTest('keel-gw-replay-');

  it('takes the outcome recorded later in the log, even when the venue no longer finds the order', async () => {
    const events = ok(await loadMarket(RECORDED_BTC_MINUTE));
    const store = fixture.store();
    const clock = createRealClock();
    const sim = createSimulatedVenue({
      venue: 'binanceusdm-sim',
      accountId: account,
      clock,
      // The recorded minute, moved to just before now: the venue has a book when the order comes.
      markets: [
        {
          instrument: BINANCE_USDM_BTCUSDT,
          events: events.map((e) => ({
            ...e,
            venueAt: e.venueAt - events[0]!.venueAt + clock.now() - 120_000,
          })),
        },
      ],
      balances: { USDT: '100000' },
      latencyMs: 0,
    });
    const { adapter: counting, applied: placed } = countingPlacements(sim);
    const venue = misbehavingVenue(counting, clock, {
      lateApplyChance: 0,
      lateApplyMs: 0,
      forgetCancelledAfterMs: 0,
      fillDelayMs: 0,
      fillDropChance: 0,
      seed: 1,
    });
    await new Promise((r) => setTimeout(r, 50)); // the simulator settles the recorded minute
    const request = {
      symbol: BTC,
      clientOrderId: 'k1',
      side: 'buy' as const,
      type: 'limit' as const,
      qty: new Decimal('0.01'),
      price: new Decimal('30000'), // far below the market: it rests
      timeInForce: 'GTC' as const,
      reduceOnly: false,
    };

    // An earlier run: k1 requested, placed, accepted, then cancelled; all recorded. No snapshot.
    const ev = recordedBy('replay-spec', clock.now());
    ok(
      await store.append(
        'parent-p',
        [
          ev(
            'ChildOrderRequested',
            'req',
            childOrderRequest({
              accountId: account,
              instrument: BTC,
              clientOrderId: 'k1',
              orderType: 'limit',
              limitPrice: '30000',
              kind: 'passive',
              reason: 'post',
            }),
          ),
        ],
        'any',
      )(),
    );
    const accepted = ok(await venue.placeOrder(request)());
    ok(await venue.cancelOrder(BTC, 'k1')());
    ok(
      await store.append(
        venueStream(account),
        [
          ev('OrderAccepted', 'acc', {
            accountId: account,
            instrument: BTC,
            clientOrderId: 'k1',
            venueOrderId: accepted.venueOrderId,
          }),
          ev('OrderCancelled', 'cxl', {
            accountId: account,
            instrument: BTC,
            clientOrderId: 'k1',
            filledQty: '0',
            reason: 'venue reports the order cancelled',
          }),
        ],
        'any',
      )(),
    );
    expect(ok(await venue.fetchOrderByClientId(BTC, 'k1')())).toBeNull(); // forgotten
    expect(placed.get('k1')).toBe(1);

    // The gateway starts again: no snapshot, so its replay reacts to the request again.
    const engine = ok(
      createVenueEngine(
        { store, clock, logger: createLogger({ name: 'spec', level: 'silent' }), registry: new Registry() },
        { ...SIM_BTCUSDT_ENGINE, notFoundHorizonMs: 100 },
        [venue],
      ),
    ).engine;
    const running = ok(
      await runEngine(
        engine,
        { store, bus: createMemoryBus(), clock, logger: createLogger({ name: 'spec', level: 'silent' }) },
        { snapshotEvery: 1000 },
      )(),
    );
    await running.stop();
    await sim.close();
    expect(placed.get('k1')).toBe(1);
    const accepts = ok(await store.readStream(venueStream(account))()).filter(
      (e) => e.type === 'OrderAccepted',
    );
    expect(accepts).toHaveLength(1);
  });
});
