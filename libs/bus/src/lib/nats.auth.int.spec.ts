/**
 * Authorization on a real nats-server configured by `natsAuthorization`: the server refuses a
 * connection without valid credentials, and refuses every publish outside a user's rights —
 * above all an event on `keel.evt.>` from anyone but the relay — while each app can still do
 * all it needs (its durable, its acks, its dead letters, the requests it serves).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { NatsServer, startNatsServer, TempDir, tempDir } from '@keel/testing';
import { RecordedEvent } from '@keel/events';
import { eventually, run } from '../testing/bus.contract';
import { sampleEvent, sampleEvents } from '../testing/sample.events';
import { connectNatsBus, NatsBusOptions } from './nats.bus';
import { BusUser, natsAuthorization } from './nats.auth';
import { EventBus } from './port';

jest.setTimeout(60_000);

const SERVES = 'keel.cmd.spec.submit';
const password = (): string => randomBytes(18).toString('base64url');
const users: (BusUser & { password: string })[] = [
  { user: 'relay', password: password(), role: { kind: 'relay' } },
  { user: 'execution', password: password(), role: { kind: 'app', consumers: ['execution'] } },
  { user: 'ingest', password: password(), role: { kind: 'app', consumers: [], serves: [SERVES] } },
  { user: 'model', password: password(), role: { kind: 'producer', requests: [SERVES] } },
  { user: 'gw-a', password: password(), role: { kind: 'app', consumers: ['gw-a'], leases: ['spec-leases'] } },
  { user: 'gw-b', password: password(), role: { kind: 'app', consumers: ['gw-b'], leases: ['spec-leases'] } },
];
const credentials = (user: string): Partial<NatsBusOptions> => {
  const u = users.find((x) => x.user === user);
  if (!u) throw new Error(`no user ${user}`);
  return { user: u.user, password: u.password };
};

let server: NatsServer;
let dir: TempDir;
const opened: EventBus[] = [];

const connectAs = (user: string | null, extra: Partial<NatsBusOptions> = {}) =>
  connectNatsBus({
    servers: server.url,
    name: `auth-${user ?? 'anonymous'}`,
    connectTimeoutMs: 3000,
    requestTimeoutMs: 2000,
    retryDelayMs: 50,
    ...(user ? credentials(user) : {}),
    ...extra,
  })();

const open = async (user: string): Promise<EventBus> => {
  const bus = await run(
    connectNatsBus({
      servers: server.url,
      name: `auth-${user}`,
      requestTimeoutMs: 2000,
      retryDelayMs: 50,
      ...credentials(user),
    }),
  );
  opened.push(bus);
  return bus;
};

beforeAll(async () => {
  dir = await tempDir('keel-nats-auth');
  const conf = path.join(dir.path, 'nats.conf');
  fs.writeFileSync(conf, natsAuthorization(users), { mode: 0o600 });
  server = await startNatsServer({ args: ['-c', conf] });
});

afterEach(async () => {
  for (const b of opened.splice(0)) await b.close();
});

afterAll(async () => {
  await server?.dispose();
  await dir?.cleanup();
});

describe('NATS with authorization', () => {
  it('refuses a connection without credentials, or with a wrong password', async () => {
    const anonymous = await connectAs(null);
    expect(E.isLeft(anonymous) && anonymous.left.message).toMatch(/authorization|auth/i);
    const wrong = await connectAs('relay', { password: 'not-the-password-at-all' });
    expect(E.isLeft(wrong) && wrong.left.message).toMatch(/authorization|auth/i);
  });

  it('lets the relay publish events and an app consume them, ack them, and dead-letter what is not from the relay', async () => {
    const relay = await open('relay');
    await run(relay.publish(sampleEvents('auth-flow', 1, 5)));
    const execution = await open('execution');
    const seen: RecordedEvent[] = [];
    const consumer = await run(execution.consume({ app: 'execution' }, (e) => void seen.push(e)));
    await eventually('five events applied', () => seen.length === 5);
    expect(consumer.position()).toBe(5);
    // Garbage the admin-less world cannot produce any more still goes to the app's own DLQ:
    // the relay publishes it here as a stand-in for a misbehaving writer.
    await run(
      relay.publishRaw('keel.evt.prediction.prediction-received', new TextEncoder().encode('garbage')),
    );
    await run(relay.publish([sampleEvent('auth-flow', 6)]));
    await eventually('the sixth applied', () => seen.length === 6);
    expect(consumer.stats()).toMatchObject({ deadLettered: 1, applied: 6 });
    await consumer.stop();
  });

  it('refuses an event published by an app, by a model, or on another app’s durable or DLQ', async () => {
    const relay = await open('relay');
    await run(relay.publish([sampleEvent('auth-refused', 1)]));
    const execution = await open('execution');
    const forged = new TextEncoder().encode(
      JSON.stringify({ ...sampleEvent('auth-refused', 2), globalPosition: 1e9 }),
    );
    const byApp = await execution.publishRaw('keel.evt.portfolio.target-position-set', forged, {
      'Keel-Position': '1000000000',
    })();
    expect(E.isLeft(byApp) && byApp.left.message).toMatch(/permission|timeout|no responders/i);
    expect(E.isLeft(await execution.publishRaw('keel.dlq.gateway', forged)())).toBe(true);
    // Another app's durable cannot be created (or read) with these rights.
    expect(E.isLeft(await execution.consume({ app: 'gateway' }, () => undefined)())).toBe(true);
    const model = await open('model');
    expect(E.isLeft(await model.publishRaw('keel.evt.portfolio.target-position-set', forged)())).toBe(true);
    // The relay's view of the stream is unchanged: only its own event is there.
    expect(await run(relay.lastPublishedPosition())).toBe(1);
  });

  it('lets a model send requests to the subject an app serves, and the app answer them', async () => {
    await open('relay'); // creates the streams the others only look at
    const ingest = await open('ingest');
    const service = await run(
      ingest.serve(SERVES, 'ingest', async (m) => ({ data: m.data, headers: { 'x-seen': 'yes' } })),
    );
    const model = await open('model');
    const reply = await run(
      model.request(SERVES, { data: new TextEncoder().encode('hello'), headers: {} }, 2000),
    );
    expect(new TextDecoder().decode(reply.data)).toBe('hello');
    expect(reply.headers['x-seen']).toBe('yes');
    await service.stop();
  });
});

describe('leases: one owner per key (a gateway per account), in a NATS key-value bucket', () => {
  const TTL = 1500;
  const leasesOf = async (user: string, bucket = 'spec-leases') => {
    const bus = await open(user);
    if (!bus.leases) throw new Error('the NATS bus has leases');
    return run(bus.leases({ bucket, ttlMs: TTL, owner: `${user}-owner` }));
  };

  it('a second owner is refused while the first renews; it takes the lease once the first stops, and the first then knows it lost it', async () => {
    const a = await leasesOf('gw-a');
    const b = await leasesOf('gw-b');
    expect(await run(a.claim('account.acc-1'))).toEqual({ held: true });
    expect(a.holds('account.acc-1')).toBe(true);
    expect(await run(b.claim('account.acc-1'))).toEqual({ held: false, owner: 'gw-a-owner' });
    expect(b.holds('account.acc-1')).toBe(false);
    // a renews within the ttl, twice: b is still refused.
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, TTL / 3));
      expect(await run(a.claim('account.acc-1'))).toEqual({ held: true });
      expect(await run(b.claim('account.acc-1'))).toEqual({ held: false, owner: 'gw-a-owner' });
    }
    // a stops renewing (a crash, a partition): it stops counting itself the owner before the server frees the key.
    await new Promise((r) => setTimeout(r, (TTL * 2) / 3 + 50));
    expect(a.holds('account.acc-1')).toBe(false);
    await eventually(
      'the server frees the lease a did not renew',
      async () => (await run(b.claim('account.acc-1'))).held,
      10_000,
    );
    expect(b.holds('account.acc-1')).toBe(true);
    expect(await run(a.claim('account.acc-1'))).toEqual({ held: false, owner: 'gw-b-owner' });
    expect(a.holds('account.acc-1')).toBe(false);
    // Another key is free for a meanwhile.
    expect(await run(a.claim('account.acc-2'))).toEqual({ held: true });
  });

  it('a released lease is taken at once by the next owner', async () => {
    const a = await leasesOf('gw-a');
    const b = await leasesOf('gw-b');
    expect(await run(a.claim('account.acc-3'))).toEqual({ held: true });
    await run(a.release('account.acc-3'));
    expect(a.holds('account.acc-3')).toBe(false);
    expect(await run(b.claim('account.acc-3'))).toEqual({ held: true });
  });

  it('counts with the ttl the bucket was made with, not a longer one asked for later (the server expires keys by its own)', async () => {
    const bus = await open('gw-a');
    await run(bus.leases!({ bucket: 'spec-leases', ttlMs: TTL, owner: 'first' }));
    const later = await run(bus.leases!({ bucket: 'spec-leases', ttlMs: 60_000, owner: 'second' }));
    expect(later.ttlMs).toBe(TTL);
  });

  it('an app not given the bucket cannot take a lease in it', async () => {
    const bus = await open('execution');
    const r = await bus.leases!({ bucket: 'spec-leases', ttlMs: TTL, owner: 'x' })();
    const claimed = E.isRight(r) ? await r.right.claim('account.acc-1')() : r;
    expect(E.isLeft(claimed)).toBe(true);
  });
});
