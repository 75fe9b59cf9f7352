/**
 * The in-process bus of the simulation: each consumer tails the store itself (a catch-up
 * subscription from its high-water mark, filtered to its event types), one event at a time
 * and in log order, as a durable NATS consumer delivers what the relay published. Nothing is
 * published: in one process the store is the bus, so there is no relay to run and no
 * ordering between two copies of the log to reason about.
 *
 * A handler that fails is tried again on the same event after `retryDelayMs` of the injected
 * clock (the NATS consumer's in-place retry); under a virtual clock that is simulated time.
 * A poison event (a PoisonEventError) halts the consumer there, as over NATS.
 */
import * as TE from 'fp-ts/TaskEither';
import { RecordedEvent } from '@keel/events';
import { EventStore } from '@keel/event-store';
import {
  ConsumeOptions,
  Consumer,
  ConsumerHealth,
  createInProcessRequests,
  EventBus,
  Handler,
  isPoison,
} from '@keel/bus';
import { Clock } from '@keel/runtime';

export interface StoreTailBus extends EventBus {
  /** Deliveries started and finished so far (the kernel's measure of progress). */
  activity(): number;
}

export const createStoreTailBus = (
  store: EventStore,
  clock: Clock,
  o: {
    readonly retryDelayMs?: number;
    readonly onRetry?: (app: string, e: RecordedEvent, err: unknown) => void;
    readonly onHalt?: (app: string, e: RecordedEvent, err: unknown) => void;
  } = {},
): StoreTailBus => {
  let activity = 0;
  const consumers = new Set<Consumer>();
  return {
    ...createInProcessRequests(() => false),
    activity: () => activity,
    publish: () => TE.right(undefined),
    publishRaw: () => TE.right(undefined),
    lastPublishedPosition: () => store.headPosition(),
    lastPublishedStore: () => TE.right(null),
    deadLetters: () => TE.right([]),
    ping: () => TE.right(undefined),
    consume: (options: ConsumeOptions, handler: Handler) => {
      let handled = 0;
      let retried = 0;
      let position = options.afterPosition ?? 0;
      let stopped = false;
      let health: ConsumerHealth = { state: 'flowing' };
      const deliver = async (e: RecordedEvent): Promise<void> => {
        for (;;) {
          activity++;
          try {
            await handler(e);
            handled++;
            position = e.globalPosition;
            activity++;
            return;
          } catch (err) {
            activity++;
            if (stopped) throw err;
            if (isPoison(err)) {
              // Ends the subscription here: nothing after the event is delivered.
              health = {
                state: 'halted',
                eventId: e.eventId,
                position: e.globalPosition,
                reason: String(err),
              };
              o.onHalt?.(options.app, e, err);
              throw err;
            }
            retried++;
            o.onRetry?.(options.app, e, err);
            await clock.sleep(o.retryDelayMs ?? 500);
          }
        }
      };
      const sub = store.subscribeAll(
        {
          after: options.afterPosition ?? 0,
          ...(options.eventTypes ? { filter: { eventTypes: options.eventTypes } } : {}),
        },
        deliver,
      );
      const consumer: Consumer = {
        position: () => position,
        stats: () => ({
          received: handled + retried,
          applied: handled,
          duplicates: 0,
          deadLettered: 0,
          gapsFilled: 0,
        }),
        health: () => health,
        stop: async () => {
          stopped = true;
          consumers.delete(consumer);
          await sub.stop();
        },
      };
      consumers.add(consumer);
      return TE.right(consumer);
    },
    close: async () => {
      for (const c of [...consumers]) await c.stop();
    },
  };
};
