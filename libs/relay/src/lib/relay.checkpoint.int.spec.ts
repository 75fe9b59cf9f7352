/**
 * The relay's checkpoint is the newest `Keel-Position` NATS holds. Anyone who could publish on
 * `keel.evt.>` could forge it: a position beyond the store's head would make a relay skip every
 * event up to it, and one that is not a number (`abc`) would make it resume from NaN and stall
 * while reporting healthy. Against a real nats-server and a real SQLite store, a forged tail is
 * refused with an error naming the value, and nothing is published after it. And a stored row
 * that does not decode: everything before it is published, then the relay halts naming where.
 * And a stream filled from another store (its `Keel-Store` stamp) is refused, naming both.
 */
import Database from 'better-sqlite3';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { connectNatsBus, EventBus, POSITION_HEADER } from '@keel/bus';
import { deriveId, EVENTS_STREAM, newEvent, NewEvent } from '@keel/events';
import { EventStore, openSqliteEventStore } from '@keel/event-store';
import { NatsServer, startNatsServer, TempDir, tempDir } from '@keel/testing';
import { Relay, startRelay } from './relay';

jest.setTimeout(60_000);

let nats: NatsServer;
let admin: NatsConnection;
let dir: TempDir;
let storePath: string;
let store: EventStore;
let bus: EventBus;
const errors: string[] = [];
const logger = {
  info: () => undefined,
  warn: () => undefined,
  error: (obj: object, msg: string) => void errors.push(`${msg} ${Object.values(obj).map(String).join(' ')}`),
};

const target = (seq: number): NewEvent => {
  const e = newEvent(
    'TargetPositionSet',
    deriveId('relay-checkpoint', seq),
    { accountId: 'acc-1', instrument: 'BTCUSDT', targetQty: `${seq}`, horizonSec: 60, reason: `seq ${seq}` },
    {
      correlationId: 'c',
      causationId: null,
      producer: 'relay-checkpoint-test',
      occurredAt: new Date(0).toISOString(),
    },
  );
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

const append = async (from: number, to: number): Promise<void> => {
  const events = Array.from({ length: to - from + 1 }, (_, i) => target(from + i));
  const r = await store.append('portfolio-acc-1', events, 'any')();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
};

/** What the events stream holds, newest last. */
const streamMessages = async (): Promise<number> =>
  (await (await jetstreamManager(admin)).streams.info(EVENTS_STREAM)).state.messages;

/** A message on an event subject, with the header a relay writes, not published by one. */
const forge = async (position: string): Promise<void> => {
  const h = headers();
  h.set(POSITION_HEADER, position);
  await jetstream(admin).publish('keel.evt.portfolio.target-position-set', new TextEncoder().encode('{}'), {
    headers: h,
  });
};

const relayUntil = async (position: number): Promise<Relay> => {
  const relay = await startRelay({ store, bus, logger });
  if (E.isLeft(relay)) throw new Error(JSON.stringify(relay.left));
  const deadline = Date.now() + 20_000;
  while (relay.right.position() < position && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  return relay.right;
};

beforeAll(async () => {
  nats = await startNatsServer();
  admin = await connect({ servers: nats.url });
  dir = await tempDir('keel-relay-checkpoint');
  storePath = path.join(dir.path, 'keel.sqlite');
  const opened = openSqliteEventStore({ path: storePath, pollIntervalMs: 5 });
  if (E.isLeft(opened)) throw new Error(JSON.stringify(opened.left));
  store = opened.right;
  const connected = await connectNatsBus({ servers: nats.url, name: 'relay-checkpoint' })();
  if (E.isLeft(connected)) throw new Error(JSON.stringify(connected.left));
  bus = connected.right;
});

afterAll(async () => {
  await bus?.close();
  await store?.close();
  await admin?.close();
  await nats?.dispose();
  await dir?.cleanup();
});

beforeEach(() => void errors.splice(0));

/** The last event sequence appended (ids derive from it). */
let next = 5;

it('resumes after the newest position NATS holds when the store has it', async () => {
  await append(1, 5);
  const relay = await relayUntil(5);
  expect(relay.position()).toBe(5);
  await relay.stop();
  expect(await streamMessages()).toBe(5);
});

it.each([
  ['a position beyond the store head', '1000000', /claims position 1000000, beyond the store's head \d+/],
  ['a value that is not a position', 'abc', /Keel-Position "abc" is not a position/],
  ['a position in exponent form', '1e9', /Keel-Position "1e9" is not a position/],
])('refuses a forged tail: %s, with an error naming it, and publishes nothing', async (_, value, why) => {
  await forge(value);
  const before = await streamMessages();
  next++;
  await append(next, next);
  const relay = await startRelay({ store, bus, logger });
  expect(E.isLeft(relay) && relay.left.message).toMatch(why);
  expect(errors.join('\n')).toMatch(why);
  await new Promise((r) => setTimeout(r, 100));
  expect(await streamMessages()).toBe(before);
  // The operator removes the forged message; the relay then publishes what it had not.
  const jsm = await jetstreamManager(admin);
  const info = await jsm.streams.info(EVENTS_STREAM);
  await jsm.streams.deleteMessage(EVENTS_STREAM, info.state.last_seq);
  const head = await store.headPosition()();
  const resumed = await relayUntil(E.isRight(head) ? head.right : Number.NaN);
  expect(resumed.position()).toBe(E.isRight(head) && head.right);
  await resumed.stop();
});

it('publishes every event before a row that does not decode, then halts naming the position', async () => {
  const head = await store.headPosition()();
  const base = E.isRight(head) ? head.right : Number.NaN;
  await append(next + 1, next + 10);
  next += 10;
  // Row base + 6 is damaged on disk (written by something other than the store).
  const db = new Database(storePath);
  db.prepare('UPDATE events SET envelope = ? WHERE position = ?').run('{"not an envelope', base + 6);
  db.close();
  const started = await startRelay({ store, bus, logger });
  if (E.isLeft(started)) throw new Error(JSON.stringify(started.left));
  const relay = started.right;
  await expect(relay.done).rejects.toThrow(new RegExp(`after position ${base + 5}`));
  expect(relay.position()).toBe(base + 5);
  expect(relay.healthy()).toBe(false);
  expect(relay.halted()).toMatch(new RegExp(`after position ${base + 5}`));
  expect(errors.join('\n')).toMatch(/relay stopped: the store cannot be read past this point/);
  // NATS's newest event is the last one before the bad row: nothing after it was published.
  const last = await bus.lastPublishedPosition()();
  expect(E.isRight(last) && last.right).toBe(base + 5);
  await relay.stop();
});

it('refuses a stream that mirrors another store, naming both, even when the positions would fit', async () => {
  const otherOpened = openSqliteEventStore({ path: path.join(dir.path, 'other.sqlite'), pollIntervalMs: 5 });
  if (E.isLeft(otherOpened)) throw new Error(JSON.stringify(otherOpened.left));
  const other = otherOpened.right;
  try {
    // More events than the stream's newest position: only the store stamp tells the stores apart.
    const events = Array.from({ length: next + 20 }, (_, i) => target(10_000 + i));
    const r = await other.append('portfolio-acc-1', events, 'any')();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    const mine = await store.identity()();
    const theirs = await other.identity()();
    if (E.isLeft(mine) || E.isLeft(theirs)) throw new Error('no identity');
    expect(theirs.right).not.toBe(mine.right);
    const before = await streamMessages();
    const relay = await startRelay({ store: other, bus, logger });
    const why = new RegExp(`mirrors store ${mine.right}, not this relay's store ${theirs.right}`);
    expect(E.isLeft(relay) && relay.left.message).toMatch(why);
    expect(errors.join('\n')).toMatch(why);
    await new Promise((r) => setTimeout(r, 100));
    expect(await streamMessages()).toBe(before);
  } finally {
    await other.close();
  }
});

describe('when NATS has removed every event it held (its max_age)', () => {
  it("resumes after the relay's checkpoint in the store, not from the start", async () => {
    const own = await tempDir('keel-relay-aged');
    const server = await startNatsServer();
    const opened = openSqliteEventStore({ path: path.join(own.path, 'keel.sqlite'), pollIntervalMs: 5 });
    if (E.isLeft(opened)) throw new Error(JSON.stringify(opened.left));
    const s = opened.right;
    const connected = await connectNatsBus({
      servers: server.url,
      name: 'relay-aged',
      manageStreams: true,
      duplicateWindowMs: 200,
      eventsMaxAgeMs: 1000,
    })();
    if (E.isLeft(connected)) throw new Error(JSON.stringify(connected.left));
    const b = connected.right;
    const nc = await connect({ servers: server.url });
    const messages = async (): Promise<{ messages: number; last: number }> => {
      const st = (await (await jetstreamManager(nc)).streams.info(EVENTS_STREAM)).state;
      return { messages: st.messages, last: st.last_seq };
    };
    try {
      const add = async (from: number, to: number): Promise<void> => {
        const events = Array.from({ length: to - from + 1 }, (_, i) => target(50_000 + from + i));
        const r = await s.append('portfolio-acc-1', events, 'any')();
        if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
      };
      await add(1, 5);
      const first = await startRelay({ store: s, bus: b, logger });
      if (E.isLeft(first)) throw new Error(JSON.stringify(first.left));
      for (let i = 0; i < 500 && first.right.position() < 5; i++) await new Promise((r) => setTimeout(r, 20));
      await first.right.stop();
      // The five age out of NATS.
      for (let i = 0; i < 200 && (await messages()).messages > 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(await messages()).toEqual({ messages: 0, last: 5 });
      expect(await b.lastPublishedPosition()()).toEqual(E.right(null));
      await add(6, 7);
      const second = await startRelay({ store: s, bus: b, logger });
      if (E.isLeft(second)) throw new Error(JSON.stringify(second.left));
      for (let i = 0; i < 500 && second.right.position() < 7; i++)
        await new Promise((r) => setTimeout(r, 20));
      await second.right.stop();
      // Only the two new ones were published: no re-publish of the log.
      expect((await messages()).last).toBe(7);
    } finally {
      await nc.close();
      await b.close();
      await s.close();
      await server.dispose();
      await own.cleanup();
    }
  });
});
