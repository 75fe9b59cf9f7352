/**
 * The EventBus contract: one suite, run against every adapter (memory.bus.unit.spec.ts,
 * nats.bus.int.spec.ts). It pins what apps rely on: order, at-most-once application on top
 * of at-least-once delivery, durable resumption, filtering, and dead letters that name the
 * problem while the consumer carries on. Test-only (uses Jest globals): exported from
 * `@keel/bus/testing`, never from the library's index.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { EVENT_DEFINITIONS, InfrastructureError, RecordedEvent, eventSubject } from '@keel/events';
import { Consumer, ConsumeOptions, EventBus, Handler } from '../lib/port';
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
        const { consumer, seen } = await start({ app: 'garbage' });
        await eventually('the good event handled', () => seen.length === 1);
        expect(seen[0]?.eventId).toBe(good.eventId);
        expect(consumer.stats()).toMatchObject({ deadLettered: 2, applied: 1 });

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

      it('dead-letters an event whose handler always throws after maxDeliver tries, then carries on', async () => {
        await run(bus.publish(sampleEvents(seed, 1, 3)));
        let attempts = 0;
        const { consumer, seen } = await start({ app: 'poison', maxDeliver: 3 }, (e) => {
          if (e.globalPosition === 2) {
            attempts++;
            throw new Error('boom: cannot apply');
          }
        });
        await eventually('the event after the poison handled', () =>
          seen.some((e) => e.globalPosition === 3),
        );
        expect(positions(seen)).toEqual([1, 3]);
        expect(attempts).toBe(3);
        expect(consumer.stats()).toMatchObject({ applied: 2, deadLettered: 1 });
        const letters = await run(bus.deadLetters('poison'));
        expect(letters).toHaveLength(1);
        expect(letters[0]?.reason).toMatch(/boom: cannot apply/);
        expect(letters[0]?.originalSubject).toBe(subjectOf('PredictionReceived'));
        expect(JSON.parse(letters[0]?.payload ?? 'null')).toMatchObject({ globalPosition: 2 });
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
          bus.consume({ app: 'stop-retry', maxDeliver: 1000 }, (e) => {
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
  });
};
