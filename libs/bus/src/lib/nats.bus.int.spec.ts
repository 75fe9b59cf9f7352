/**
 * The NATS adapter against a real nats-server (started here on a free port): the shared
 * contract, then what only a real server can show — a consumer that died before acking,
 * a server that goes away and comes back, and a start with no server at all.
 */
import * as E from 'fp-ts/Either';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection, nanos } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { DEAD_LETTER_STREAM, EVENTS_STREAM, RecordedEvent, decodeWire, durableName } from '@keel/events';
import { NatsServer, freePort, startNatsServer } from '@keel/testing';
import { describeBusContract, eventually, run } from '../testing/bus.contract';
import { BusLogger } from './bus.logger';
import { NatsBusOptions, connectNatsBus } from './nats.bus';
import { MAX_ACK_PENDING } from './nats.streams';
import { sampleEvent, sampleEvents } from '../testing/sample.events';

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

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

  it('lets many messages be in flight while it handles them one at a time', async () => {
    await resetStreams();
    const bus = await open();
    try {
      await run(bus.publish(sampleEvents('flight', 1, 100)));
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => (release = r));
      let running = 0;
      let maxRunning = 0;
      const applied: number[] = [];
      const c = await run(
        bus.consume({ app: 'flight' }, async (e) => {
          maxRunning = Math.max(maxRunning, ++running);
          if (e.globalPosition === 1) await gate;
          applied.push(e.globalPosition);
          running--;
        }),
      );
      const jsm = await jetstreamManager(admin);
      // While event 1 is held up, the server has already handed over all 100.
      await eventually(
        'all 100 delivered',
        async () => (await jsm.consumers.info(EVENTS_STREAM, durableName('flight'))).num_ack_pending === 100,
      );
      expect(applied).toEqual([]);
      release();
      await eventually('all applied', () => applied.length === 100);
      expect(applied).toEqual(range(1, 100));
      expect(maxRunning).toBe(1);
      const info = await jsm.consumers.info(EVENTS_STREAM, durableName('flight'));
      expect(info.config.max_ack_pending).toBe(MAX_ACK_PENDING);
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  it('updates a durable created with max_ack_pending 1 and carries on where it was', async () => {
    await resetStreams();
    const { lines, logger } = memoryLogger();
    const bus = await open({ logger });
    try {
      await run(bus.publish(sampleEvents('legacy', 1, 10)));
      // The durable as an earlier version created it, which had acknowledged events 1..4.
      const jsm = await jetstreamManager(admin);
      await jsm.consumers.add(EVENTS_STREAM, {
        durable_name: durableName('legacy'),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: 'keel.evt.>',
        max_ack_pending: 1,
        ack_wait: nanos(30_000),
        max_deliver: -1,
      });
      const old = await jetstream(admin).consumers.get(EVENTS_STREAM, durableName('legacy'));
      for (let i = 0; i < 4; i++) {
        const m = await old.next({ expires: 5000 });
        if (!m) throw new Error('expected a message');
        await m.ackAck();
      }
      const applied: number[] = [];
      const c = await run(
        bus.consume({ app: 'legacy', afterPosition: 4 }, (e) => void applied.push(e.globalPosition)),
      );
      await eventually('the rest applied', () => applied.length === 6);
      expect(applied).toEqual(range(5, 10));
      expect(c.stats().duplicates).toBe(0);
      const info = await jsm.consumers.info(EVENTS_STREAM, durableName('legacy'));
      expect(info.config.max_ack_pending).toBe(MAX_ACK_PENDING);
      expect(lines).toContain('info bus: updating durable consumer');
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  it('after an instance died holding many unacked messages, the next one applies the rest at once and in order', async () => {
    await resetStreams();
    const bus = await open(); // ack_wait 30 s: waiting for redelivery would time this test out
    const other = await connect({ servers: server.url });
    try {
      await (await run(bus.consume({ app: 'holder' }, () => undefined))).stop();
      await run(bus.publish(sampleEvents('holder', 1, 50)));
      // A previous incarnation takes 40 messages, applies 1..10 without acking any, and dies.
      const durable = await jetstream(other).consumers.get(EVENTS_STREAM, durableName('holder'));
      const batch = await durable.fetch({ max_messages: 40, expires: 5000 });
      let taken = 0;
      for await (const m of batch) if (m && ++taken === 40) break;
      expect(taken).toBe(40);
      await other.close();
      await run(bus.publish(sampleEvents('holder', 51, 60)));

      const applied: number[] = [];
      const c = await run(
        bus.consume({ app: 'holder', afterPosition: 10 }, (e) => void applied.push(e.globalPosition)),
      );
      await eventually('everything after 10 applied', () => applied.length === 50, 10_000);
      expect(applied).toEqual(range(11, 60));
      expect(c.stats()).toMatchObject({ applied: 50, duplicates: 10 });
      await c.stop();
    } finally {
      if (!other.isClosed()) await other.close();
      await bus.close();
    }
  });

  it('stays exact across repeated stops and starts while events keep arriving', async () => {
    await resetStreams();
    const { lines, logger } = memoryLogger();
    const bus = await open({ logger });
    const publisher = await open({ name: 'bus-int-publisher' });
    try {
      let published = 0;
      let publishing = true;
      const feed = (async () => {
        while (publishing) {
          await run(publisher.publish(sampleEvents('rounds', published + 1, published + 10)));
          published += 10;
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      const applied: number[] = [];
      let mark = 0;
      for (let round = 0; round < 6; round++) {
        // Slower than the publisher, so every stop leaves messages in flight.
        const c = await run(
          bus.consume({ app: 'rounds', afterPosition: mark }, async (e) => {
            await new Promise((r) => setTimeout(r, 1));
            applied.push(e.globalPosition);
          }),
        );
        await new Promise((r) => setTimeout(r, 150));
        await c.stop();
        mark = c.position();
      }
      publishing = false;
      await feed;
      const last = await run(
        bus.consume({ app: 'rounds', afterPosition: mark }, (e) => void applied.push(e.globalPosition)),
      );
      await eventually('everything applied', () => applied.length >= published, 20_000);
      expect(applied).toEqual(range(1, published));
      await last.stop();
      expect(published).toBeGreaterThan(100);
      // The handovers went through the resync (nats-server 2.9 would otherwise lose some).
      expect(lines).toContain('warn bus: re-creating durable consumer from its ack floor');
    } finally {
      await publisher.close();
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
