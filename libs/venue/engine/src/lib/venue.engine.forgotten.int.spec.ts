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
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { Registry } from 'prom-client';
import { deriveId, EventData, EventType, newEvent, NewEvent } from '@keel/events';
import { openSqliteEventStore, TestableEventStore } from '@keel/event-store';
import { createLogger, createVirtualClock } from '@keel/runtime';
import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { createSimulatedVenue, loadMarket, misbehavingVenue } from '@keel/venue-sim';
import { SIM_BTCUSDT_ENGINE } from '../testing/engine.settings';
import { createVenueEngine } from './venue.engine';
import { venueStream } from './gateway.app';

const SIM_TEST_DATA = path.resolve(__dirname, '../../../sim/test-data');
const account = 'forget-1';
const BTC = BINANCE_USDM_BTCUSDT.symbol;
const DAY = 86_400_000;
const ok = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

describe('venue engine start-up: an order the venue forgot is settled from its trades', () => {
  let dir: string;
  let store: TestableEventStore;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-gw-forgot-'));
    store = ok(openSqliteEventStore({ path: path.join(dir, 'keel.sqlite') }));
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records the fills of forgotten orders read from the trades over their life: filled, or cancelled with what filled', async () => {
    const events = ok(
      await loadMarket({
        quotes: path.join(SIM_TEST_DATA, 'binance-usdm-btcusdt-2024-07-18T2358-1min-bbo.csv.gz'),
        trades: path.join(SIM_TEST_DATA, 'binance-usdm-btcusdt-2024-07-18T2358-1min-trades.csv.gz'),
      }),
    );
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
    const meta = {
      correlationId: 'c',
      causationId: null,
      producer: 'gateway',
      occurredAt: new Date(placedAt).toISOString(),
    };
    const ev = <T extends EventType>(type: T, id: string, data: EventData<T>): NewEvent =>
      ok(newEvent(type, deriveId('forgot-spec', id), data, meta)) as NewEvent;
    ok(
      await store.append(
        'parent-p',
        [
          ev('ChildOrderRequested', 'req', {
            accountId: account,
            instrument: BTC,
            parentOrderId: 'p',
            clientOrderId: 'kreq',
            side: 'buy',
            qty: '0.01',
            orderType: 'market',
            limitPrice: null,
            postOnly: false,
            reduceOnly: false,
            validUntil: null,
            seq: 0,
            kind: 'taker',
            reason: 'slice',
          }),
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
