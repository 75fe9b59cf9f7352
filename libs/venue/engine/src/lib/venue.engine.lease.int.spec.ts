/**
 * One owner per account: two gateways configured for the same account, with their leases in
 * a real nats-server's key-value bucket and one embedded SQLite store. The second waits at
 * start-up as a standby and never sends; a gateway whose lease was taken sends nothing more;
 * a clean stop hands the account over at once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { Registry } from 'prom-client';
import { deriveId, EventData, newEvent, RecordedEvent } from '@keel/events';
import { openSqliteEventStore, TestableEventStore } from '@keel/event-store';
import { connectNatsBus, EventBus, Leases } from '@keel/bus';
import { createLogger, createVirtualClock } from '@keel/runtime';
import { NatsServer, startNatsServer } from '@keel/testing';
import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { createCountingAdapter, CountingAdapter } from '../testing/counting.adapter';
import { SIM_BTCUSDT_ENGINE } from '../testing/engine.settings';
import { accountLeaseKey, createVenueEngine, VenueEngine } from './venue.engine';
import { gatewayProjection } from './gateway.app';

jest.setTimeout(60_000);

const account = 'lease-1';
const BTC = BINANCE_USDM_BTCUSDT.symbol;
const TTL = 1500;
const ok = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: NatsServer;
let dir: string;
let store: TestableEventStore;
const buses: EventBus[] = [];

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.dispose();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-gw-lease-'));
  store = ok(openSqliteEventStore({ path: path.join(dir, 'keel.sqlite') }));
});
afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const clock = createVirtualClock(Date.parse('2026-01-05T00:00:00Z'));

interface Gateway {
  readonly leases: Leases;
  readonly venue: CountingAdapter;
  readonly engine: VenueEngine['engine'];
  readonly logs: string[];
}

const gateway = async (owner: string): Promise<Gateway> => {
  const bus = ok(await connectNatsBus({ servers: server.url, name: owner })());
  buses.push(bus);
  const leases = ok(await bus.leases!({ bucket: 'spec-leases', ttlMs: TTL, owner })());
  const venue = createCountingAdapter({ venue: 'sim', accountId: account });
  const logs: string[] = [];
  const logger = createLogger({
    name: owner,
    level: 'info',
    destination: { write: (line: string) => void logs.push(line) },
  });
  const engine = ok(
    createVenueEngine({ store, clock, logger, registry: new Registry(), leases }, SIM_BTCUSDT_ENGINE, [
      venue,
    ]),
  ).engine;
  return { leases, venue, engine, logs };
};

let seq = 0;
/** A child order request as stored, for the app's reaction. */
const request = async (): Promise<RecordedEvent> => {
  const n = ++seq;
  const data: EventData<'ChildOrderRequested'> = {
    accountId: account,
    instrument: BTC,
    parentOrderId: 'p',
    clientOrderId: `leasek${n}`,
    side: 'buy',
    qty: '0.01',
    orderType: 'limit',
    limitPrice: '50000',
    postOnly: true,
    reduceOnly: false,
    validUntil: null,
    seq: n,
    kind: 'passive',
    reason: 'post',
  };
  const e = ok(
    newEvent('ChildOrderRequested', deriveId('lease-spec', n), data, {
      correlationId: 'c',
      causationId: null,
      producer: 'execution',
      occurredAt: new Date(clock.now()).toISOString(),
    }),
  );
  ok(await store.append('parent-p', [e], 'any')());
  const page = ok(await store.readAll({ after: 0, maxCount: 10_000 })());
  const recorded = page.events.find((r) => r.eventId === e.eventId);
  if (!recorded) throw new Error('not stored');
  return recorded;
};

/** The gateway's reaction to a request: Right when it was handled, Left when left unapplied. */
const react = async (g: Gateway, event: RecordedEvent) => {
  const p = gatewayProjection([account]);
  const state = p.evolve(p.initial, event);
  const r = g.engine.app.react!(event, state, { app: 'gateway', now: clock.now(), again: false });
  if (typeof r !== 'function') throw new Error('the gateway reacts with a TaskEither');
  return r();
};

const placed = (g: Gateway) => g.venue.counts()['placeOrder'] ?? 0;

describe('one gateway per account (a lease in NATS key-value)', () => {
  it('the second gateway waits as a standby and sends nothing; a clean stop of the first hands the account over', async () => {
    const a = await gateway('gw-A');
    const b = await gateway('gw-B');
    ok(await a.engine.prepare!()());
    let bReady = false;
    const bPrepared = b.engine.prepare!()().then((r) => {
      bReady = true;
      return r;
    });
    await sleep(TTL * 2);
    expect(bReady).toBe(false);
    expect(b.logs.join('')).toContain('account lease held by another gateway: waiting as a standby');
    expect(b.logs.join('')).toContain('"owner":"gw-A"');

    const first = await request();
    expect(E.isRight(await react(a, first))).toBe(true);
    expect(placed(a)).toBe(1);
    // b has not started (no lease, so not reconciled): the request is left unapplied (retried), never sent.
    const refused = await react(b, first);
    expect(E.isLeft(refused) && JSON.stringify(refused.left)).toContain('is still reconciling');
    expect(placed(b)).toBe(0);

    // a stops cleanly: its lease is released (the key is free at once, lease spec in @keel/bus) and b takes the account.
    await a.engine.stopping?.();
    await a.engine.stopped?.();
    ok(await bPrepared);
    expect(b.leases.holds(accountLeaseKey(account))).toBe(true);
    expect(E.isRight(await react(b, await request()))).toBe(true);
    expect(placed(b)).toBe(1);
    await b.engine.stopping?.();
    await b.engine.stopped?.();
  });

  it('a gateway whose lease was taken by another sends nothing more, and says so', async () => {
    const a = await gateway('gw-C');
    ok(await a.engine.prepare!()());
    expect(E.isRight(await react(a, await request()))).toBe(true);
    expect(placed(a)).toBe(1);
    // Another owner takes the key (as after a partition longer than the ttl): delete a's lease as a, then claim it.
    const bus = ok(await connectNatsBus({ servers: server.url, name: 'intruder' })());
    buses.push(bus);
    const asA = ok(await bus.leases!({ bucket: 'spec-leases', ttlMs: TTL, owner: 'gw-C' })());
    ok(await asA.release(accountLeaseKey(account))());
    const other = ok(await bus.leases!({ bucket: 'spec-leases', ttlMs: TTL, owner: 'gw-D' })());
    expect(ok(await other.claim(accountLeaseKey(account))())).toEqual({ held: true });
    // a's next renewal (a third of the ttl) finds gw-D.
    const deadline = Date.now() + TTL * 2;
    while (!a.logs.join('').includes('account lease lost to another gateway') && Date.now() < deadline)
      await sleep(50);
    expect(a.logs.join('')).toContain('account lease lost to another gateway');
    expect(a.leases.holds(accountLeaseKey(account))).toBe(false);
    const refused = await react(a, await request());
    expect(E.isLeft(refused) && JSON.stringify(refused.left)).toContain('is not owned by this process');
    expect(placed(a)).toBe(1);
    expect(await a.engine.checks!['leases']!()).toBe(false);
    await a.engine.stopping?.();
    await a.engine.stopped?.();
  });
});
