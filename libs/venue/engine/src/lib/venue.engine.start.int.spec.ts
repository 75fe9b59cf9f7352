/**
 * Start-up reconciliation folds each account's log on from the gateway's snapshot, not from
 * the start of history: real parts throughout (the simulator on recorded Binance USD-M
 * BTCUSDT data, the embedded SQLite store, the engine's own `prepare`).
 *
 * The snapshot holds an order (k-snap) whose events the log does not have, and the log after
 * the snapshot holds another (k-tail): both are live in the folded view and gone from the
 * venue, so both are looked up and recorded as cancelled. An order accepted before the
 * snapshot position but absent from the snapshot's log of the account (k-before) stays
 * unknown: the snapshot is the state up to its position, so those events are not read again.
 * A snapshot that holds no log of the account at all (it was given to this gateway since) is
 * no starting point for it: that account is folded from the start, k-before included.
 */
import { Registry } from 'prom-client';
import { appSnapshotKey, deriveId, newEvent, NewEvent } from '@keel/events';
import { createLogger, createVirtualClock } from '@keel/runtime';
import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { createSimulatedVenue, loadMarket } from '@keel/venue-sim';
import { SIM_BTCUSDT_ENGINE } from '../testing/engine.settings';
import { ok, RECORDED_BTC_MINUTE, sqliteStorePerTest } from '../testing/engine.store.fixture';
import { createVenueEngine, GATEWAY_APP } from './venue.engine';
import { gatewayProjection, GatewayState, venueStream } from './gateway.app';
import { emptyAccountLog } from './reconciliation';

const account = 'snap-1';
const BTC = BINANCE_USDM_BTCUSDT.symbol;

describe('venue engine start-up: the account log is folded on from the snapshot', () => {
  const fixture = sqliteStorePerTest('keel-gw-start-');

  it.each([
    [
      'reconciles what the snapshot and the log after it hold, and does not reread what came before it',
      true,
      ['k-snap', 'k-tail'],
    ],
    [
      'folds an account the snapshot does not hold (newly given to this gateway) from the start',
      false,
      ['k-before', 'k-tail'],
    ],
  ])('%s', async (_title, snapshotHoldsAccount, expected) => {
    const events = ok(await loadMarket(RECORDED_BTC_MINUTE));
    const store = fixture.store();
    const t0 = events[0]?.venueAt ?? 0;
    const clock = createVirtualClock(t0 + 1000);
    const meta = {
      correlationId: 'c',
      causationId: null,
      producer: 'gateway',
      occurredAt: new Date(t0).toISOString(),
    };
    const accepted = (clientOrderId: string): NewEvent =>
      ok(
        newEvent(
          'OrderAccepted',
          deriveId('test-accepted', clientOrderId),
          { accountId: account, instrument: BTC, clientOrderId, venueOrderId: `V-${clientOrderId}` },
          meta,
        ),
      );
    const stream = venueStream(account);
    const before = ok(await store.append(stream, [accepted('k-before')], 'any')());

    // The snapshot, as the running app saved it at the position after k-before: it knows k-snap, not k-before.
    const base = emptyAccountLog(account);
    const state: GatewayState = {
      ...gatewayProjection([account]).initial,
      logs: !snapshotHoldsAccount
        ? {}
        : {
            [account]: {
              ...base,
              at: t0,
              orders: {
                'k-snap': {
                  instrument: BTC,
                  clientOrderId: 'k-snap',
                  requested: true,
                  qty: '0.01',
                  venueOrderId: 'V-k-snap',
                  closed: null,
                  filledQty: '0',
                },
              },
            },
          },
    };
    ok(
      await store.saveSnapshot(appSnapshotKey(GATEWAY_APP), {
        position: before.position,
        version: gatewayProjection([account]).version,
        state,
      })(),
    );
    ok(await store.append(stream, [accepted('k-tail')], 'any')());

    const sim = createSimulatedVenue({
      venue: 'binanceusdm-sim',
      accountId: account,
      clock,
      markets: [{ instrument: BINANCE_USDM_BTCUSDT, events }],
      balances: { USDT: '10000' },
    });
    const venue = ok(
      createVenueEngine(
        { store, clock, logger: createLogger({ name: 'spec', level: 'silent' }), registry: new Registry() },
        SIM_BTCUSDT_ENGINE,
        [sim],
      ),
    );
    try {
      ok(await venue.engine.prepare!()());
    } finally {
      await sim.close();
    }
    const cancelled = ok(await store.readStream(stream)())
      .filter((e) => e.type === 'OrderCancelled')
      .map((e) => (e.type === 'OrderCancelled' ? e.data.clientOrderId : ''))
      .sort();
    expect(cancelled).toEqual(expected);
  });
});
