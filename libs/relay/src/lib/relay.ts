/**
 * The relay: the only way an event reaches NATS. It tails the store's global log and
 * publishes each event, in order, with `Nats-Msg-Id` = event id. Because it reads only what
 * the store has committed, nothing reaches NATS before it is stored; because its checkpoint
 * is the last message NATS itself holds (`bus.lastPublishedPosition()`), a relay killed at
 * any point restarts from what NATS really has and re-publishes the rest: every stored event
 * reaches NATS at least once. Duplicates are dropped by the server's dedupe window and, past
 * it, by each consumer's high-water mark. See docs/architecture.md, "Store → NATS".
 */
import * as E from 'fp-ts/Either';
import { RecordedEvent, describeError, InfrastructureError, infrastructureError } from '@keel/events';
import { EventStore, Subscription } from '@keel/event-store';
import { EventBus } from '@keel/bus';

export interface RelayLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RelayOptions {
  readonly store: EventStore;
  readonly bus: EventBus;
  readonly logger: RelayLogger;
  /** Events per publish call (they are pipelined inside it). */
  readonly batchSize?: number;
  /** Back-off bounds while NATS refuses publishes. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** Called after each batch is acknowledged (metrics, tests). */
  readonly onPublished?: (events: readonly RecordedEvent[]) => void;
  /** Waits; injectable so tests need not sleep for real. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface Relay {
  /** Global position of the last event NATS acknowledged. */
  position(): number;
  /** True while the last publish succeeded and the store can be read (feeds /readyz). */
  healthy(): boolean;
  /**
   * Why the relay stopped relaying, once it has: its store subscription failed (a row that
   * does not decode, naming the position after which it lies). Null while it relays.
   */
  halted(): string | null;
  stop(): Promise<void>;
  /** Settles when the relay stops; rejects if the store subscription fails fatally. */
  readonly done: Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Start relaying from NATS's own checkpoint. Fails (with an error log) if the checkpoint cannot
 * be read, is not a position a relay writes, or lies beyond the store's head.
 */
/** The store snapshot key of the relay's own checkpoint, and how often it is written. */
export const CHECKPOINT_KEY = 'relay:published';
const CHECKPOINT_EVERY = 1000;

export const startRelay = async (options: RelayOptions): Promise<E.Either<InfrastructureError, Relay>> => {
  const { store, bus, logger } = options;
  const batchSize = options.batchSize ?? 256;
  const sleep = options.sleep ?? defaultSleep;
  const minMs = options.retryMinMs ?? 50;
  const maxMs = options.retryMaxMs ?? 2000;

  const fromNats = await bus.lastPublishedPosition()();
  if (E.isLeft(fromNats)) {
    logger.error({ err: describeError(fromNats.left) }, 'relay cannot read its checkpoint from NATS');
    return fromNats;
  }
  // NATS's limits removed every message it held (an idle stream past its max_age): resume after
  // the checkpoint this relay keeps in the store, never from the start (a full re-publish).
  let resumeAfter: number;
  if (fromNats.right === null) {
    const kept = await store.loadSnapshot(CHECKPOINT_KEY)();
    if (E.isLeft(kept)) return kept;
    const position = kept.right?.position ?? 0;
    logger.warn(
      { position },
      kept.right
        ? "NATS no longer holds any event (its limits removed them): resuming after the relay's checkpoint in the store"
        : 'NATS no longer holds any event and the store keeps no relay checkpoint: publishing from the start',
    );
    resumeAfter = position;
  } else resumeAfter = fromNats.right;
  // NATS's newest position must be one this store has: a later one was not published by a
  // relay of this store (a forged message, or a stream that mirrors another store), and
  // resuming after it would skip every event up to it.
  const head = await store.headPosition()();
  if (E.isLeft(head)) return head;
  if (resumeAfter > head.right) {
    const message = `NATS's newest event claims position ${resumeAfter}, beyond the store's head ${head.right}: it was not published from this store; refusing to relay (remove the message, or point the relay at the store the stream mirrors)`;
    logger.error({ checkpoint: resumeAfter, storeHead: head.right }, message);
    return E.left(infrastructureError('relay', 'checkpoint', message));
  }
  // The stream must mirror this store: positions of another store mean nothing here (a relay
  // pointed at the wrong store, or a stream filled from another one).
  const identity = await store.identity()();
  if (E.isLeft(identity)) return identity;
  const mirrored = await bus.lastPublishedStore()();
  if (E.isLeft(mirrored)) return mirrored;
  if (mirrored.right !== null && mirrored.right !== identity.right) {
    const message = `NATS's events stream mirrors store ${mirrored.right}, not this relay's store ${identity.right}: refusing to relay (point the relay at the store the stream mirrors, or give this store a stream of its own)`;
    logger.error({ streamStore: mirrored.right, store: identity.right }, message);
    return E.left(infrastructureError('relay', 'checkpoint', message));
  }
  const storeId = identity.right;
  let published = resumeAfter;
  let healthy = true;
  // Where NATS's own tail can no longer say (see above); kept every CHECKPOINT_EVERY events and at stop.
  let kept = published;
  const keepCheckpoint = async (): Promise<void> => {
    const at = published;
    const r = await store.saveSnapshot(CHECKPOINT_KEY, { position: at, version: 1, state: null })();
    if (E.isRight(r)) kept = at;
  };
  let stopping = false;
  logger.info({ checkpoint: published }, 'relay starting after the last position NATS holds');

  // Events wait here between the store subscription and the publisher. The subscription's
  // handler blocks while the buffer is full, so memory stays bounded.
  let buffer: RecordedEvent[] = [];
  let wakePublisher: (() => void) | null = null;
  let wakeSubscriber: (() => void) | null = null;

  const publishLoop = async (): Promise<void> => {
    while (!stopping || buffer.length > 0) {
      if (buffer.length === 0) {
        if (stopping) break;
        await new Promise<void>((r) => (wakePublisher = r));
        wakePublisher = null;
        continue;
      }
      const batch = buffer.slice(0, batchSize);
      let delay = minMs;
      // A failed publish has an unknown outcome; re-sending the same batch is safe (dedupe).
      for (;;) {
        const r = await bus.publish(batch, storeId)();
        if (E.isRight(r)) break;
        if (healthy) logger.error({ err: describeError(r.left) }, 'relay cannot publish; retrying');
        healthy = false;
        if (stopping) return;
        await sleep(delay);
        delay = Math.min(maxMs, delay * 2);
      }
      if (!healthy)
        logger.info({ position: batch[batch.length - 1]?.globalPosition }, 'relay publishing again');
      healthy = true;
      buffer = buffer.slice(batch.length);
      published = batch[batch.length - 1]!.globalPosition;
      if (published - kept >= CHECKPOINT_EVERY) await keepCheckpoint();
      options.onPublished?.(batch);
      wakeSubscriber?.();
    }
  };

  const subscription: Subscription = store.subscribeAll({ after: published }, async (event) => {
    buffer.push(event);
    wakePublisher?.();
    while (buffer.length >= batchSize * 4 && !stopping) {
      await new Promise<void>((r) => (wakeSubscriber = r));
      wakeSubscriber = null;
    }
  });
  const publisher = publishLoop();

  // A failed subscription stops the relay only after what it had read is published: every
  // event before a bad row reaches NATS, and `done` then rejects with the failure.
  let halted: string | null = null;
  const subscribed = subscription.done.catch((err: unknown) => {
    halted = err instanceof Error ? err.message : String(err);
    logger.error({ err: halted, published }, 'relay stopped: the store cannot be read past this point');
    stopping = true;
    wakePublisher?.();
    wakeSubscriber?.();
    return Promise.reject(err);
  });
  const done = Promise.allSettled([subscribed, publisher]).then(([s, p]) => {
    if (s.status === 'rejected') throw s.reason;
    if (p.status === 'rejected') throw p.reason;
  });

  return E.right({
    position: () => published,
    healthy: () => healthy && halted === null,
    halted: () => halted,
    stop: async () => {
      await subscription.stop();
      stopping = true;
      wakePublisher?.();
      wakeSubscriber?.();
      await publisher;
      if (published !== kept) await keepCheckpoint();
    },
    done,
  });
};
