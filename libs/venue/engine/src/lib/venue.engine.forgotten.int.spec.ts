/**
 * An order the venue has forgotten (Binance stops finding orders by client id after 90 days,
 * unfilled cancelled ones after 3) is settled at start-up from its trades, not taken as
 * cancelled with nothing filled. Real parts: the simulator on recorded Binance USD-M BTCUSDT
 * data behind `misbehavingVenue`, the embedded SQLite store, the engine's own `prepare`.
 *
 * The log knows two live orders placed two days ago; the gateway was down since. Both filled
 * at the venue at once, long before the start-up's fill window (60 s), and the venue forgets
 * orders after a day: look-ups say "does not exist". Each order's fill is read from its trades
 * and recorded; the one it fills is left to the fold as filled, the adopted one (quantity
 * unknown) is recorded as cancelled with that fill's quantity.
 */
import Decimal from 'decimal.js';
import { Registry } from 'prom-client';
import { createLogger, createVirtualClock } from '@keel/runtime';
import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { createSimulatedVenue, loadMarket, misbehavingVenue } from '@keel/venue-sim';
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

const account = 'forget-1';
const BTC = BINANCE_USDM_BTCUSDT.symbol;
const DAY = 86_400_000;

describe('venue engine start-up: an order the venue forgot is settled from its trades', () => {
  const fixture = sqliteStorePerTest('keel-gw-forgot-');

  it('records the fills of forgotten orders read from the trades over their life: filled, or cancelled with what filled', async () => {
    const events = ok(await loadMarket(RECORDED_BTC_MINUTE));
    const store = fixture.store();
    const t0 = (events[0]?.venueAt ?? 0) + 1000;
    const clock = createVirtualClock(t0);
    const sim = createSimulatedVenue({
      venue: 'binanceusdm-sim',
      accountId: account,
      clock,
      markets: [{ instrument: BINANCE_USDM_BTCUSDT, events }],
      balances: { USDT: '100000' },
    });
    const venue = misbehavingVenue(sim, clock, {
      lateApplyChance: 0,
      lateApplyMs: 0,
      forgetCancelledAfterMs: Infinity,
      forgetOrdersAfterMs: DAY,
      fillDelayMs: 0,
      fillDropChance: 0,
      seed: 1,
    });
    // Two market orders, filled at once at the venue.
    const placedAt = clock.now();
    for (const clientOrderId of ['kreq', 'kadopt']) {
      const placing = venue.placeOrder({
        symbol: BTC,
        clientOrderId,
        side: 'buy',
        type: 'market',
        qty: new Decimal('0.01'),
        price: null,
        timeInForce: 'IOC',
        reduceOnly: false,
      })();
      await clock.runUntil(clock.now() + 100);
      ok(await placing);
    }
    const venueFills = sim.allFills();
    expect(venueFills.map((f) => f.clientOrderId)).toEqual(['kreq', 'kadopt']);

    // The log: kreq requested (0.01) and accepted, kadopt accepted only (placed outside Keel); no fill recorded.
    const ev = recordedBy('forgot-spec', placedAt);
    ok(
      await store.append(
        'parent-p',
        [
          ev(
            'ChildOrderRequested',
            'req',
            childOrderRequest({ accountId: account, instrument: BTC, clientOrderId: 'kreq' }),
          ),
        ],
        'any',
      )(),
    );
    const stream = venueStream(account);
    for (const f of venueFills)
      ok(
        await store.append(
          stream,
          [
            ev('OrderAccepted', `acc-${f.clientOrderId}`, {
              accountId: account,
              instrument: BTC,
              clientOrderId: f.clientOrderId,
              venueOrderId: f.venueOrderId,
            }),
          ],
          'any',
        )(),
      );

    // Two days later the gateway starts: the venue no longer finds either order.
    clock.advanceTo(placedAt + 2 * DAY);
    expect(ok(await venue.fetchOrderByClientId(BTC, 'kreq')())).toBeNull();
    const engine = ok(
      createVenueEngine(
        { store, clock, logger: createLogger({ name: 'spec', level: 'silent' }), registry: new Registry() },
        { ...SIM_BTCUSDT_ENGINE, reconcileFillsMs: 60_000 },
        [venue],
      ),
    ).engine;
    try {
      ok(await engine.prepare!()());
    } finally {
      await sim.close();
    }
    const stored = ok(await store.readStream(stream)());
    const recorded = stored.flatMap((e) =>
      e.type === 'OrderFilled' ? [[e.data.clientOrderId, e.data.tradeId, e.data.qty]] : [],
    );
    expect(recorded.sort()).toEqual(
      venueFills.map((f) => [f.clientOrderId, f.tradeId, f.qty.toFixed()]).sort(),
    );
    const cancelled = stored.flatMap((e) =>
      e.type === 'OrderCancelled' ? [[e.data.clientOrderId, e.data.filledQty]] : [],
    );
    // kreq: its trade fills it (the fold closes it as filled); kadopt: quantity unknown, cancelled with what filled.
    expect(cancelled).toEqual([['kadopt', venueFills[1]!.qty.toFixed()]]);
  });
});
