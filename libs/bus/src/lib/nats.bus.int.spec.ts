/**
 * The NATS adapter against a real nats-server (started here on a free port): the shared
 * contract, then what only a real server can show — a consumer that died before acking,
 * a server that goes away and comes back, and a start with no server at all.
 */
import * as E from 'fp-ts/Either';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { DEAD_LETTER_STREAM, EVENTS_STREAM, RecordedEvent, decodeWire, durableName } from '@keel/events';
import { NatsServer, freePort, startNatsServer } from '@keel/testing';
import { describeBusContract, eventually, run } from './bus.contract';
import { BusLogger } from './bus.logger';
import { NatsBusOptions, connectNatsBus } from './nats.bus';
import { sampleEvent, sampleEvents } from './sample.events';

jest.setTimeout(60_000);

let server: NatsServer;
let admin: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  admin = await connect({ servers: server.url });
});

afterAll(async () => {
  await admin?.close();
  await server?.dispose();
});

/** Each test starts from empty streams (deleting a stream drops its consumers and dedupe state). */
const resetStreams = async (): Promise<void> => {
  const jsm = await jetstreamManager(admin);
  for (const s of [EVENTS_STREAM, DEAD_LETTER_STREAM]) await jsm.streams.delete(s).catch(() => false);
};

const open = (extra: Partial<NatsBusOptions> = {}) =>
  run(connectNatsBus({ servers: server.url, name: 'bus-int', retryDelayMs: 50, ...extra }));

describeBusContract('nats', async () => {
  await resetStreams();
  const bus = await open();
  return { bus, dispose: () => bus.close() };
});

const memoryLogger = () => {
  const lines: string[] = [];
  const logger: BusLogger = {
    info: (_o, msg) => void lines.push(`info ${msg}`),
    warn: (_o, msg) => void lines.push(`warn ${msg}`),
    error: (_o, msg) => void lines.push(`error ${msg}`),
  };
  return { lines, logger };
};

const isStrictlyIncreasing = (xs: readonly number[]): boolean =>
  xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? -Infinity));

describe('nats bus', () => {
  it('does not apply again an event redelivered after its consumer died before acking', async () => {
    await resetStreams();
    const bus = await open({ ackWaitMs: 2000 });
    const other = await connect({ servers: server.url });
    try {
      // The app's durable exists from an earlier run.
      await (await run(bus.consume({ app: 'crashy' }, () => undefined))).stop();
      await run(bus.publish(sampleEvents('crashy', 1, 3)));

      // A previous incarnation of the app takes event 1, applies it, and dies before the ack.
      const applied: number[] = [];
      const durable = await jetstream(other).consumers.get(EVENTS_STREAM, 'keel-crashy');
      const m = await durable.next({ expires: 5000 });
      const first = m ? decodeWire(new TextDecoder().decode(m.data)) : E.left(undefined);
      if (E.isLeft(first)) throw new Error('expected event 1');
      applied.push(first.right.globalPosition);
      await other.close();

      // The app restarts; its replayed state includes position 1.
      const c = await run(
        bus.consume({ app: 'crashy', afterPosition: 1 }, (e) => void applied.push(e.globalPosition)),
      );
      await eventually(
        'the redelivery judged and the rest applied',
        () => c.stats().duplicates === 1 && applied.length === 3,
      );
      expect(applied).toEqual([1, 2, 3]);
      expect(c.stats()).toMatchObject({ applied: 2, duplicates: 1 });
      await c.stop();
    } finally {
      if (!other.isClosed()) await other.close();
      await bus.close();
    }
  });

  it('re-creates its durable when it is deleted, and the mark keeps the replay from applying twice', async () => {
    await resetStreams();
    const bus = await open();
    try {
      const seen: number[] = [];
      const c = await run(bus.consume({ app: 'phoenix' }, (e) => void seen.push(e.globalPosition)));
      await run(bus.publish(sampleEvents('phoenix', 1, 3)));
      await eventually('first events handled', () => seen.length === 3);
      await (await jetstreamManager(admin)).consumers.delete(EVENTS_STREAM, durableName('phoenix'));
      await run(bus.publish(sampleEvents('phoenix', 4, 5)));
      await eventually('events after the deletion handled', () => seen.includes(5), 30_000);
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      // The new durable starts from the beginning: 1..3 come again and are recognised.
      expect(c.stats().duplicates).toBe(3);
    } finally {
      await bus.close();
    }
  });

  it('fails to connect, with an InfrastructureError and in bounded time, when no server listens', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await connectNatsBus({
      servers: `nats://127.0.0.1:${port}`,
      name: 'nobody',
      connectTimeoutMs: 1000,
    })();
    expect(E.isLeft(r) && r.left).toMatchObject({
      _tag: 'InfrastructureError',
      component: 'nats',
      op: 'connect',
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

describe('nats bus across a server restart', () => {
  let own: NatsServer;
  beforeAll(async () => {
    own = await startNatsServer();
  });
  afterAll(async () => {
    await own?.dispose();
  });

  it('fails publishes during the outage, then publishes and consumes again by itself', async () => {
    const { lines, logger } = memoryLogger();
    const bus = await run(
      connectNatsBus({
        servers: own.url,
        name: 'survivor',
        logger,
        reconnectTimeWaitMs: 200,
        requestTimeoutMs: 1500,
        retryDelayMs: 50,
      }),
    );
    try {
      const seen: RecordedEvent[] = [];
      const consumer = await run(bus.consume({ app: 'survivor' }, (e) => void seen.push(e)));
      await run(bus.publish(sampleEvents('outage', 1, 3)));
      await eventually('events before the outage handled', () => seen.length === 3);

      await own.stop();
      const t0 = Date.now();
      const during = await bus.publish([sampleEvent('outage', 4)])();
      expect(E.isLeft(during) && during.left).toMatchObject({ _tag: 'InfrastructureError', op: 'publish' });
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(E.isLeft(await bus.ping()())).toBe(true);

      await own.restart();
      // The relay's retry loop, in miniature: keep trying until the server takes it.
      await eventually(
        'a publish succeeds after the restart',
        async () => E.isRight(await bus.publish([sampleEvent('outage', 5)])()),
        30_000,
      );
      await run(bus.publish(sampleEvents('outage', 6, 7)));
      await eventually(
        'the existing consumer handles new events',
        () => seen.some((e) => e.globalPosition === 7),
        30_000,
      );

      const handled = seen.map((e) => e.globalPosition);
      // Event 4 may or may not have reached the server (its outcome was unknown); nothing is applied twice.
      expect(isStrictlyIncreasing(handled)).toBe(true);
      expect(handled).toEqual(expect.arrayContaining([1, 2, 3, 5, 6, 7]));
      expect(consumer.position()).toBe(7);
      expect(await run(bus.lastPublishedPosition())).toBe(7);
      await run(bus.ping());
      expect(lines).toEqual(
        expect.arrayContaining([
          'warn bus: disconnected from NATS; reconnecting',
          'info bus: reconnected to NATS',
        ]),
      );
    } finally {
      await bus.close();
    }
  });
});
