/**
 * The EventBus contract: one suite, run against every adapter (memory.bus.unit.spec.ts,
 * nats.bus.int.spec.ts). It pins what apps rely on: order, at-most-once application on top
 * of at-least-once delivery, durable resumption, filtering, positions taken only from the
 * relay's stamp, failing events retried until they apply (or halting on a poison one), and
 * dead letters, for messages not from the relay, that name the problem while the consumer
 * carries on. Test-only (uses Jest globals): exported from
 * `@keel/bus/testing`, never from the library's index.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { EVENT_DEFINITIONS, InfrastructureError, RecordedEvent, eventSubject } from '@keel/events';
import {
  BusMessage,
  Consumer,
  ConsumeOptions,
  ConsumerHealth,
  EventBus,
  Handler,
  PoisonEventError,
  Responder,
  Service,
} from '../lib/port';
import { SampleType, sampleEvent, sampleEvents } from './sample.events';

export interface BusContractFixture {
  /** A bus with empty streams and no consumers. */
  readonly bus: EventBus;
  dispose(): Promise<void>;
}

/** Run a TaskEither, failing the test with the error on Left. */
export const run = async <A>(te: TE.TaskEither<InfrastructureError, A>): Promise<A> => {
  const r = await te();
  if (E.isLeft(r)) throw new Error(`${r.left.component} ${r.left.op} failed: ${r.left.message}`);
  return r.right;
};

/** Poll until `check` holds; deadlines instead of sleeps, so a slow machine is only slower. */
export const eventually = async (
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const positions = (es: readonly RecordedEvent[]): number[] => es.map((e) => e.globalPosition);
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const subjectOf = (type: keyof typeof EVENT_DEFINITIONS): string =>
  eventSubject(EVENT_DEFINITIONS[type].context, type);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const message = (data: string, headers: Record<string, string> = {}): BusMessage => ({
  data: bytes(data),
  headers,
});

export const describeBusContract = (name: string, setup: () => Promise<BusContractFixture>): void => {
  describe(`EventBus contract: ${name}`, () => {
    let fixture: BusContractFixture;
    let bus: EventBus;
    let consumers: Consumer[];
    let seed: string;
    let counter = 0;

    beforeEach(async () => {
      fixture = await setup();
      bus = fixture.bus;
      consumers = [];
      seed = `${name}-${Date.now()}-${++counter}`;
    });

    afterEach(async () => {
      await Promise.all(consumers.map((c) => c.stop()));
      await fixture.dispose();
    });

    /** Start a consumer that records what its handler saw; stopped after the test. */
    const start = async (options: ConsumeOptions, handler?: Handler) => {
      const seen: RecordedEvent[] = [];
      const consumer = await run(
        bus.consume(options, async (e) => {
          if (handler) await handler(e);
          seen.push(e);
        }),
      );
      consumers.push(consumer);
      return { consumer, seen };
    };

    describe('given an empty bus', () => {
      it('answers ping and reports position 0 as the last published', async () => {
        await run(bus.ping());
        expect(await run(bus.lastPublishedPosition())).toBe(0);
        expect(await run(bus.deadLetters('nobody'))).toEqual([]);
      });

      it('rejects a raw publish on a subject no stream covers', async () => {
        const r = await bus.publishRaw('not.keel.subject', bytes('x'))();
        expect(E.isLeft(r) && r.left._tag).toBe('InfrastructureError');
      });
    });

    describe('when events are published', () => {
      it('delivers them to the handler in order, and remembers the last position', async () => {
        const events = sampleEvents(seed, 1, 60);
        await run(bus.publish(events));
        const { consumer, seen } = await start({ app: 'in-order' });
        await eventually('60 events handled', () => seen.length === 60);
        expect(positions(seen)).toEqual(range(1, 60));
        expect(seen[0]).toEqual(events[0]);
        expect(consumer.position()).toBe(60);
        expect(consumer.stats()).toMatchObject({ applied: 60, duplicates: 0, deadLettered: 0 });
        expect(await run(bus.lastPublishedPosition())).toBe(60);
      });

      it('hands a live consumer what is published after it started', async () => {
        const { seen } = await start({ app: 'live' });
        await run(bus.publish(sampleEvents(seed, 1, 3)));
        await run(bus.publish(sampleEvents(seed, 4, 5)));
        await eventually('5 events handled', () => seen.length === 5);
        expect(positions(seen)).toEqual(range(1, 5));
      });
    });

    describe('when the same event arrives twice', () => {
      it('applies it once: the same id is dropped, and a late copy is below the high-water mark', async () => {
        const [e1, e2, e3] = [sampleEvent(seed, 1), sampleEvent(seed, 2), sampleEvent(seed, 3)];
        await run(bus.publish([e1, e2]));
        await run(bus.publish([e2])); // same id within the dedupe window
        await run(bus.publish([e3]));
        // A re-publish after the window has passed (modelled by a fresh id): only the mark catches it.
        await run(bus.publish([{ ...e2, eventId: sampleEvent(`${seed}-copy`, 2).eventId }]));
        const { consumer, seen } = await start({ app: 'dedupe' });
        await eventually('the late copy is judged', () => consumer.stats().duplicates === 1);
        expect(positions(seen)).toEqual([1, 2, 3]);
        expect(consumer.stats()).toMatchObject({ received: 4, applied: 3, duplicates: 1 });
      });

      it('skips what the app already has (afterPosition) and counts them as duplicates', async () => {
        await run(bus.publish(sampleEvents(seed, 1, 6)));
        const { consumer, seen } = await start({ app: 'after', afterPosition: 3 });
        await eventually('the rest handled', () => seen.length === 3);
        expect(positions(seen)).toEqual([4, 5, 6]);
        expect(consumer.stats()).toMatchObject({ applied: 3, duplicates: 3 });
        expect(consumer.position()).toBe(6);
      });
    });

    describe('when a consumer stops and the app starts again', () => {
      it('never applies an event twice across the restart, and loses none', async () => {
        await run(bus.publish(sampleEvents(seed, 1, 10)));
        const applied: number[] = [];
        let release: () => void = () => undefined;
        const gate = new Promise<void>((r) => (release = r));
        let blocked = false;
        const first = await run(
          bus.consume({ app: 'restart' }, async (e) => {
            if (e.globalPosition === 5) {
              blocked = true;
              await gate;
            }
            applied.push(e.globalPosition);
          }),
        );
        await eventually('the first consumer is inside event 5', () => blocked);
        const stopped = first.stop(); // stop while a handler runs: it finishes, nothing after it starts
        release();
        await stopped;
        expect(applied).toEqual([1, 2, 3, 4, 5]);
        // The app's state now includes position 5; it says so, as it would after a replay.
        const { seen } = await start({ app: 'restart', afterPosition: first.position() }, (e) => {
          applied.push(e.globalPosition);
        });
        await eventually('the rest handled', () => seen.length === 5);
        expect(applied).toEqual(range(1, 10));
      });

      it('a second consume() of the same app resumes after what was acknowledged', async () => {
        await run(bus.publish(sampleEvents(seed, 1, 3)));
        const a = await start({ app: 'resume' });
        await eventually('first three handled', () => a.seen.length === 3);
        await a.consumer.stop();
        await run(bus.publish(sampleEvents(seed, 4, 5)));
        const b = await start({ app: 'resume' });
        await eventually('the new ones handled', () => b.seen.length === 2);
        expect(positions(b.seen)).toEqual([4, 5]);
        expect(b.consumer.stats().duplicates).toBe(0);
      });
    });

    describe('when a consumer wants only some event types', () => {
      it('hands over only those, and still advances its mark past the others', async () => {
        const typeAt = (p: number): SampleType => (p % 2 === 0 ? 'TargetPositionSet' : 'PredictionReceived');
        await run(bus.publish(sampleEvents(seed, 1, 6, typeAt)));
        const { consumer, seen } = await start({ app: 'typed', eventTypes: ['TargetPositionSet'] });
        await eventually('mark reaches the last event', () => consumer.position() === 6);
        expect(positions(seen)).toEqual([2, 4, 6]);
        expect(seen.every((e) => e.type === 'TargetPositionSet')).toBe(true);
      });

      it('takes one JetStream filter subject', async () => {
        const typeAt = (p: number): SampleType => (p <= 2 ? 'TargetPositionSet' : 'PredictionReceived');
        await run(bus.publish(sampleEvents(seed, 1, 4, typeAt)));
        const { seen } = await start({ app: 'subject', subject: subjectOf('PredictionReceived') });
        await eventually('the prediction events handled', () => seen.length === 2);
        expect(positions(seen)).toEqual([3, 4]);
      });
    });

    describe('when garbage arrives on an event subject', () => {
      it('dead-letters it with a reason naming the problem and goes on to the next event', async () => {
        const subject = subjectOf('PredictionReceived');
        const good = sampleEvent(seed, 1);
        const badField = JSON.stringify({ ...good, eventId: 42 });
        await run(bus.publishRaw(subject, bytes('this is not json')));
        await run(bus.publishRaw(subject, bytes(badField)));
        await run(bus.publish([good]));
        const told: string[] = [];
        const { consumer, seen } = await start({
          app: 'garbage',
          onDeadLetter: (reason, event) =>
            void told.push(`${reason} ${event === null ? 'no event' : 'event'}`),
        });
        await eventually('the good event handled', () => seen.length === 1);
        expect(seen[0]?.eventId).toBe(good.eventId);
        expect(consumer.stats()).toMatchObject({ deadLettered: 2, applied: 1 });
        expect(told).toEqual(['undecodable no event', 'undecodable no event']);

        const letters = await run(bus.deadLetters('garbage'));
        expect(letters).toHaveLength(2);
        expect(letters[0]).toMatchObject({
          consumer: 'garbage',
          originalSubject: subject,
          payload: 'this is not json',
        });
        expect(letters[0]?.reason).toMatch(/not JSON/);
        expect(letters[1]?.payload).toBe(badField);
        expect(letters[1]?.reason).toMatch(/\/eventId/);
        expect(await run(bus.deadLetters('someone-else'))).toEqual([]);
        // Raw messages carry no position: the relay's checkpoint is still the last real event.
        expect(await run(bus.lastPublishedPosition())).toBe(1);
      });
    });

    describe('when a handler fails', () => {
      it('retries a transient failure without letting later events overtake it', async () => {
        await run(bus.publish(sampleEvents(seed, 1, 3)));
        let failures = 0;
        const { consumer, seen } = await start({ app: 'transient' }, (e) => {
          if (e.globalPosition === 2 && failures < 2) {
            failures++;
            throw new Error('not yet');
          }
        });
        await eventually('all handled', () => seen.length === 3);
        expect(positions(seen)).toEqual([1, 2, 3]);
        expect(consumer.stats()).toMatchObject({ applied: 3, deadLettered: 0, received: 5 });
      });

      it('never dead-letters a stamped event: it retries it for as long as it fails, reports itself stalled, and resumes', async () => {
        await run(bus.publish(sampleEvents(seed, 1, 3)));
        let attempts = 0;
        let down = true;
        const health: string[] = [];
        const { consumer, seen } = await start(
          { app: 'outage', alarmAfter: 3, onHealth: (h) => void health.push(h.state) },
          (e) => {
            if (e.globalPosition === 2 && down) {
              attempts++;
              throw new Error('store unreachable');
            }
          },
        );
        await eventually('more attempts than the alarm threshold', () => attempts >= 5, 30_000);
        expect(positions(seen)).toEqual([1]);
        expect(consumer.position()).toBe(1);
        expect(consumer.health()).toMatchObject({ state: 'stalled', position: 2, attempts: 3 });
        expect(consumer.health().state === 'stalled' && consumer.health()).toMatchObject({
          reason: expect.stringMatching(/store unreachable/),
        });
        down = false;
        await eventually('the outage waited out', () => seen.length === 3, 60_000);
        expect(positions(seen)).toEqual([1, 2, 3]);
        expect(consumer.health()).toEqual({ state: 'flowing' });
        expect(health).toEqual(['stalled', 'flowing']);
        expect(consumer.stats()).toMatchObject({ applied: 3, deadLettered: 0 });
        expect(await run(bus.deadLetters('outage'))).toEqual([]);
      });

      it('halts on a poison event: nothing after it applied, nothing dead-lettered, the next consumer gets it again', async () => {
        await run(bus.publish(sampleEvents(seed, 1, 3)));
        let attempts = 0;
        const health: ConsumerHealth[] = [];
        const { consumer, seen } = await start(
          { app: 'poison', onHealth: (h) => void health.push(h) },
          (e) => {
            if (e.globalPosition === 2) {
              attempts++;
              throw new PoisonEventError('the fold throws: no such account');
            }
          },
        );
        await eventually('the consumer halted', () => consumer.health().state === 'halted');
        expect(health).toEqual([
          {
            state: 'halted',
            eventId: sampleEvent(seed, 2).eventId,
            position: 2,
            reason: expect.stringMatching(/position 2 cannot be applied: the fold throws: no such account/),
          },
        ]);
        await run(bus.publish(sampleEvents(seed, 4, 5)));
        await new Promise((r) => setTimeout(r, 300));
        expect(positions(seen)).toEqual([1]);
        expect(attempts).toBe(1);
        expect(consumer.position()).toBe(1);
        expect(await run(bus.deadLetters('poison'))).toEqual([]);
        await consumer.stop();
        // After a fix and a restart the same event comes again, then the rest in order.
        const after = await start({ app: 'poison', afterPosition: consumer.position() });
        await eventually('the rest handled', () => after.seen.length === 4);
        expect(positions(after.seen)).toEqual([2, 3, 4, 5]);
      });
    });

    describe('when positions are dense and one was not delivered', () => {
      it('fills the gap before the event past it (fillGap), then goes on in order; without fillGap nothing is seen', async () => {
        await run(bus.publish([...sampleEvents(seed, 1, 2), ...sampleEvents(seed, 4, 5)]));
        const order: string[] = [];
        const { consumer } = await start(
          {
            app: 'gap',
            fillGap: async (after, before) => void order.push(`fill ${after}..${before}`),
          },
          (e) => void order.push(`apply ${e.globalPosition}`),
        );
        await eventually('all delivered handled', () => consumer.position() === 5);
        expect(order).toEqual(['apply 1', 'apply 2', 'fill 2..4', 'apply 4', 'apply 5']);
        expect(consumer.stats()).toMatchObject({ gapsFilled: 1, applied: 4 });
        const blind = await start({ app: 'gap-blind' });
        await eventually('all delivered handled', () => blind.consumer.position() === 5);
        expect(blind.consumer.stats()).toMatchObject({ gapsFilled: 0 });
      });

      it('fills a gap seen on an event of a type it does not want, and retries a fill that fails', async () => {
        const typeAt = (p: number): SampleType => (p === 4 ? 'TargetPositionSet' : 'PredictionReceived');
        await run(bus.publish([...sampleEvents(seed, 1, 2, typeAt), ...sampleEvents(seed, 4, 5, typeAt)]));
        const fills: string[] = [];
        let failures = 0;
        const { consumer, seen } = await start({
          app: 'gap-typed',
          eventTypes: ['PredictionReceived'],
          fillGap: async (after, before) => {
            if (failures++ < 2) throw new Error('store busy');
            fills.push(`${after}..${before}`);
          },
        });
        await eventually('the last event handled', () => consumer.position() === 5);
        expect(fills).toEqual(['2..4']);
        expect(positions(seen)).toEqual([1, 2, 5]);
      });
    });

    describe('when an event is not stamped by the relay', () => {
      const forged = (position: number): string =>
        JSON.stringify({ ...sampleEvent(seed, 1), globalPosition: position });

      it('dead-letters an event without a position stamp, whatever its payload claims, and the mark stays', async () => {
        await run(bus.publish([sampleEvent(seed, 1)]));
        // A schema-valid event claiming a far position: applied, it would make every real event a duplicate.
        await run(bus.publishRaw(subjectOf('PredictionReceived'), bytes(forged(1e9))));
        await run(bus.publish(sampleEvents(seed, 2, 3)));
        const told: string[] = [];
        const { consumer, seen } = await start({
          app: 'unstamped',
          onDeadLetter: (reason, event) => void told.push(`${reason} ${event?.globalPosition ?? 'none'}`),
        });
        await eventually('the real events handled', () => seen.length === 3);
        expect(positions(seen)).toEqual([1, 2, 3]);
        expect(consumer.position()).toBe(3);
        expect(told).toEqual(['untrusted 1000000000']);
        const letters = await run(bus.deadLetters('unstamped'));
        expect(letters).toHaveLength(1);
        expect(letters[0]?.reason).toMatch(/no Keel-Position header/);
      });

      it('dead-letters a forged stamp: not a position, unlike the payload, or past the store', async () => {
        const subject = subjectOf('PredictionReceived');
        await run(bus.publish([sampleEvent(seed, 1)]));
        await run(bus.publishRaw(subject, bytes(forged(1e9)), { 'Keel-Position': 'abc' }));
        await run(bus.publishRaw(subject, bytes(forged(1e9)), { 'Keel-Position': '2' }));
        await run(bus.publishRaw(subject, bytes(forged(1e9)), { 'Keel-Position': '1000000000' }));
        await run(bus.publish([sampleEvent(`${seed}-other`, 2)], 'another-store'));
        await run(bus.publish(sampleEvents(seed, 2, 3), 'this-store'));
        const { consumer, seen } = await start({
          app: 'forged',
          verifyPosition: async (p) => p <= 3,
          storeIdentity: 'this-store',
        });
        await eventually('the real events handled', () => seen.length === 3);
        expect(positions(seen)).toEqual([1, 2, 3]);
        expect(consumer.stats()).toMatchObject({ applied: 3, deadLettered: 4 });
        const reasons = (await run(bus.deadLetters('forged'))).map((l) => l.reason);
        expect(reasons).toEqual([
          expect.stringMatching(/Keel-Position "abc" is not a position/),
          expect.stringMatching(/Keel-Position 2 differs from the payload's globalPosition 1000000000/),
          expect.stringMatching(/position 1000000000 is past the store's head/),
          expect.stringMatching(/published from store another-store, not from this app's store this-store/),
        ]);
      });

      it('halts on a stamped event it cannot decode: it is in the store, and folding past it would be wrong', async () => {
        await run(bus.publish([sampleEvent(seed, 1)]));
        await run(
          bus.publishRaw(subjectOf('PredictionReceived'), bytes('{"not":"an event"}'), {
            'Keel-Position': '2',
          }),
        );
        await run(bus.publish([sampleEvent(seed, 3)]));
        const { consumer, seen } = await start({ app: 'unreadable' });
        await eventually('the consumer halted', () => consumer.health().state === 'halted');
        expect(positions(seen)).toEqual([1]);
        expect(consumer.health()).toMatchObject({
          state: 'halted',
          position: 2,
          reason: expect.stringMatching(/the event at position 2 does not decode/),
        });
        expect(await run(bus.deadLetters('unreadable'))).toEqual([]);
      });
    });

    describe('when many events are in flight', () => {
      const isStrictlyIncreasing = (xs: readonly number[]): boolean =>
        xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? -Infinity));

      it('retries a failing event in place: every event applied once, in order, and later ones flow after it', async () => {
        await run(bus.publish(sampleEvents(seed, 1, 40)));
        const entered: number[] = [];
        let failures = 0;
        const { consumer, seen } = await start({ app: 'in-place' }, (e) => {
          entered.push(e.globalPosition);
          if (e.globalPosition === 17 && failures < 2) {
            failures++;
            throw new Error('not yet');
          }
        });
        await eventually('the first 40 handled', () => seen.length === 40);
        // Events published after the failures still flow.
        await run(bus.publish(sampleEvents(seed, 41, 60)));
        await eventually('all 60 handled', () => seen.length === 60);
        expect(positions(seen)).toEqual(range(1, 60));
        expect(isStrictlyIncreasing(positions(seen))).toBe(true);
        expect(failures).toBe(2);
        // Nothing after 17 was started before 17 succeeded: it was retried in place.
        expect(entered).toEqual([...range(1, 17), 17, 17, ...range(18, 60)]);
        expect(consumer.stats()).toMatchObject({ received: 62, applied: 60, duplicates: 0, deadLettered: 0 });
        expect(consumer.position()).toBe(60);
        expect(await run(bus.deadLetters('in-place'))).toEqual([]);
      });

      it('hands a burst of 200 events to the handler in strictly increasing order, all of them', async () => {
        const entered: number[] = [];
        const { consumer, seen } = await start({ app: 'burst' }, (e) => {
          entered.push(e.globalPosition);
        });
        // Ten publishes issued together, in order, while the consumer is live.
        await Promise.all(
          range(0, 9).map((i) => run(bus.publish(sampleEvents(seed, i * 20 + 1, i * 20 + 20)))),
        );
        await eventually('200 events handled', () => seen.length === 200);
        expect(isStrictlyIncreasing(entered)).toBe(true);
        expect(positions(seen)).toEqual(range(1, 200));
        expect(consumer.stats()).toMatchObject({ applied: 200, duplicates: 0, deadLettered: 0 });
      });

      it('hands over exactly once when a consumer stops with many messages in flight', async () => {
        await run(bus.publish(sampleEvents(seed, 1, 300)));
        const applied: number[] = [];
        const first = await run(
          bus.consume({ app: 'handover' }, async (e) => {
            await new Promise((r) => setImmediate(r)); // slow enough that many wait behind it
            applied.push(e.globalPosition);
          }),
        );
        await eventually('the first consumer part-way', () => applied.length >= 40);
        // More arrive while it stops.
        const publishing = (async () => {
          for (let p = 301; p <= 400; p += 10) await run(bus.publish(sampleEvents(seed, p, p + 9)));
        })();
        await first.stop();
        const handedOver = first.position();
        expect(applied).toEqual(range(1, handedOver));
        expect(handedOver).toBeLessThan(400);
        await publishing;

        const second = await start({ app: 'handover', afterPosition: handedOver }, (e) => {
          applied.push(e.globalPosition);
        });
        // A last event: handled in order, so once it is, everything before it was too.
        await run(bus.publish([sampleEvent(seed, 401)]));
        await eventually('the last event applied', () => applied.includes(401));
        expect(applied).toEqual(range(1, 401));
        expect(second.consumer.position()).toBe(401);
      });
      it('stops promptly during in-place retries and leaves the event to the next consumer', async () => {
        await run(bus.publish(sampleEvents(seed, 1, 3)));
        let attempts = 0;
        const first = await run(
          bus.consume({ app: 'stop-retry' }, (e) => {
            if (e.globalPosition === 2) {
              attempts++;
              throw new Error('down for now');
            }
          }),
        );
        await eventually('event 2 retried', () => attempts >= 2);
        const t0 = Date.now();
        await first.stop();
        expect(Date.now() - t0).toBeLessThan(2000);
        expect(first.position()).toBe(1);
        expect(first.stats()).toMatchObject({ applied: 1, deadLettered: 0 });
        const { seen } = await start({ app: 'stop-retry', afterPosition: first.position() });
        await eventually('the rest handled', () => seen.length === 2);
        expect(positions(seen)).toEqual([2, 3]);
        expect(await run(bus.deadLetters('stop-retry'))).toEqual([]);
      });
    });

    describe('when two apps consume', () => {
      it('each gets every event', async () => {
        const a = await start({ app: 'app-a' });
        const b = await start({ app: 'app-b' });
        await run(bus.publish(sampleEvents(seed, 1, 20)));
        await eventually('both handled all', () => a.seen.length === 20 && b.seen.length === 20);
        expect(positions(a.seen)).toEqual(range(1, 20));
        expect(positions(b.seen)).toEqual(range(1, 20));
      });
    });

    describe('request/reply', () => {
      // Small timeouts: a missing responder must show as a failure, not as a slow test.
      const TIMEOUT_MS = 2000;
      let services: Service[];

      beforeEach(() => {
        services = [];
      });

      afterEach(async () => {
        await Promise.all(services.map((s) => s.stop()));
      });

      /** A subject of this test alone (the seed is unique per test and per run). */
      const subjectFor = (what: string): string => `keel.rpc.contract.${seed}.${what}`;
      const serve = async (subject: string, responder: Responder, queue = 'contract'): Promise<Service> => {
        const service = await run(bus.serve(subject, queue, responder));
        services.push(service);
        return service;
      };

      it('answers a request with the responder’s data and headers, header names lower-cased on arrival', async () => {
        const subject = subjectFor('echo');
        const received: BusMessage[] = [];
        await serve(subject, async (m) => {
          received.push(m);
          return {
            data: bytes(`pong:${text(m.data)}`),
            headers: { 'Keel-Status': '202', 'Content-Type': 'application/json' },
          };
        });
        const reply = await run(
          bus.request(
            subject,
            message('ping', { 'Keel-Key': 'key-1', 'Keel-Signature': 't=1,v1=ab' }),
            TIMEOUT_MS,
          ),
        );
        expect(text(reply.data)).toBe('pong:ping');
        expect(reply.headers).toEqual({ 'keel-status': '202', 'content-type': 'application/json' });
        expect(received).toHaveLength(1);
        const [request] = received;
        expect(text(request?.data ?? bytes(''))).toBe('ping');
        expect(request?.headers).toEqual({ 'keel-key': 'key-1', 'keel-signature': 't=1,v1=ab' });
      });

      it('carries bytes as they are, both ways (binary, empty, no headers)', async () => {
        const subject = subjectFor('bytes');
        await serve(subject, async (m) => ({ data: m.data.slice().reverse(), headers: {} }));
        const binary = Uint8Array.from([0, 255, 13, 10, 0x80, 7]);
        const reply = await run(bus.request(subject, { data: binary, headers: {} }, TIMEOUT_MS));
        expect([...reply.data]).toEqual([7, 0x80, 10, 13, 255, 0]);
        expect(reply.headers).toEqual({});
        const empty = await run(bus.request(subject, { data: new Uint8Array(0), headers: {} }, TIMEOUT_MS));
        expect(empty.data).toHaveLength(0);
      });

      it('answers 50 concurrent requests, each with its own answer', async () => {
        const subject = subjectFor('many');
        let running = 0;
        let maxRunning = 0;
        await serve(subject, async (m) => {
          maxRunning = Math.max(maxRunning, ++running);
          const n = Number(text(m.data));
          // Finish out of order: a reply must still find its own request.
          await new Promise((r) => setTimeout(r, (n * 7) % 23));
          running--;
          return {
            data: bytes(`answer-${n}`),
            headers: { 'Keel-Request': m.headers['keel-request'] ?? 'none' },
          };
        });
        const ns = range(0, 49);
        const replies = await Promise.all(
          ns.map((n) =>
            run(bus.request(subject, message(String(n), { 'Keel-Request': `request-${n}` }), TIMEOUT_MS)),
          ),
        );
        expect(replies.map((r) => text(r.data))).toEqual(ns.map((n) => `answer-${n}`));
        expect(replies.map((r) => r.headers['keel-request'])).toEqual(ns.map((n) => `request-${n}`));
        // Answered concurrently, not one at a time.
        expect(maxRunning).toBeGreaterThan(1);
      });

      it('splits requests between services sharing a queue: each request answered once', async () => {
        const subject = subjectFor('split');
        const calls = { a: 0, b: 0 };
        await serve(subject, async () => {
          calls.a++;
          return message('a');
        });
        await serve(subject, async () => {
          calls.b++;
          return message('b');
        });
        const replies = await Promise.all(
          range(1, 20).map(() => run(bus.request(subject, message('who'), TIMEOUT_MS))),
        );
        expect(replies.map((r) => text(r.data)).every((t) => t === 'a' || t === 'b')).toBe(true);
        expect(calls.a + calls.b).toBe(20);
        expect(calls.a).toBeGreaterThan(0);
        expect(calls.b).toBeGreaterThan(0);
      });

      it('fails a request nobody serves, with an InfrastructureError and without waiting out the timeout', async () => {
        const t0 = Date.now();
        const r = await bus.request(subjectFor('nobody'), message('hello?'), TIMEOUT_MS)();
        expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'InfrastructureError' });
        expect(Date.now() - t0).toBeLessThan(TIMEOUT_MS);
      });

      it('fails a request once its service has stopped (no responders)', async () => {
        const subject = subjectFor('stopped');
        const service = await serve(subject, async () => message('here'));
        expect(text((await run(bus.request(subject, message('x'), TIMEOUT_MS))).data)).toBe('here');
        await service.stop();
        const t0 = Date.now();
        const r = await bus.request(subject, message('x'), TIMEOUT_MS)();
        expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'InfrastructureError' });
        expect(Date.now() - t0).toBeLessThan(TIMEOUT_MS);
      });

      it('stop() resolves only once a request being answered has been answered, and that request gets its answer', async () => {
        const subject = subjectFor('draining');
        let release: () => void = () => undefined;
        const gate = new Promise<void>((r) => (release = r));
        let entered = false;
        const service = await serve(subject, async (m) => {
          entered = true;
          await gate;
          return message(`late:${text(m.data)}`);
        });
        const pending = bus.request(subject, message('x'), TIMEOUT_MS)();
        await eventually('the responder is answering', () => entered, TIMEOUT_MS);
        let stopped = false;
        const stopping = service.stop().then(() => {
          stopped = true;
        });
        await new Promise((r) => setTimeout(r, 100));
        expect(stopped).toBe(false);
        release();
        await stopping;
        const r = await pending;
        expect(E.isRight(r) && text(r.right.data)).toBe('late:x');
      });

      it('leaves a request unanswered (Left) when its responder fails, and goes on answering others', async () => {
        const subject = subjectFor('flaky');
        await serve(subject, async (m) => {
          if (text(m.data) === 'boom') throw new Error('responder failed');
          return message(`ok:${text(m.data)}`);
        });
        const failed = await bus.request(subject, message('boom'), 500)();
        expect(E.isLeft(failed) && failed.left).toMatchObject({ _tag: 'InfrastructureError' });
        expect(text((await run(bus.request(subject, message('fine'), TIMEOUT_MS))).data)).toBe('ok:fine');
      });
    });
  });
};
