/**
 * One app's consumer loop on JetStream. The durable lets the server stream up to
 * MAX_ACK_PENDING messages ahead (nats.streams.ts says why that is safe); the client reads
 * them as they come into a local queue and handles them strictly one at a time, in delivery
 * order, through the shared delivery policy (a failing handler is retried in place, never
 * nak'd). It keeps itself alive: the client re-pulls after a reconnect, and if the message
 * iterator ends for any other reason (consumer deleted, server restarted without its store)
 * the loop re-creates the durable and starts again, with backoff, until stopped.
 *
 * Each run of the iterator is a session. A session starts from a known server state and
 * checks that it sees every delivery the server makes (see `startSession`); if not, it ends
 * and the next session re-creates the durable from its ack floor, so nothing the server sent
 * elsewhere can come back later, behind newer events, and be skipped by the mark.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import {
  Consumer as JsConsumer,
  ConsumerInfo,
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
} from '@nats-io/jetstream';
import { NatsConnection, headers as natsHeaders } from '@nats-io/nats-core';
import {
  ALL_EVENTS_SUBJECT,
  EVENTS_STREAM,
  InfrastructureError,
  deadLetterSubject,
  durableName,
} from '@keel/events';
import {
  DLQ_CONSUMER_HEADER,
  DLQ_DELIVERIES_HEADER,
  DLQ_REASON_HEADER,
  DLQ_SUBJECT_HEADER,
  headerValue,
} from './bus.headers';
import { BusLogger } from './bus.logger';
import { DeliveryTracker, Verdict } from './delivery.policy';
import { attempt } from './nats.edge';
import {
  DurableSpec,
  MAX_ACK_PENDING,
  StreamSettings,
  ensureDurable,
  ensureStreams,
  resyncDurable,
} from './nats.streams';
import { ConsumeOptions, Consumer, Handler } from './port';

export interface NatsConsumerDeps {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly log: BusLogger;
  readonly requestTimeoutMs: number;
  readonly ackWaitMs: number;
  readonly retryDelayMs: number;
  readonly streams: StreamSettings;
}

/**
 * Messages one pull asks for; the client asks again when a quarter has arrived, so pulls
 * overlap and the server never waits for one. The durable's MAX_ACK_PENDING is the real cap.
 */
const PULL_BATCH = Math.min(256, MAX_ACK_PENDING);
/** Pull requests expire and are renewed; heartbeats (half of this) detect a dead pull. */
const PULL_EXPIRES_MS = 10_000;
/** Longest pause between attempts to publish a dead letter while the DLQ is unreachable. */
const MAX_DLQ_RETRY_MS = 5000;

/** Consumer notifications worth a warning; the rest (heartbeats, pulls) are routine. */
const NOTABLE_STATUS: ReadonlySet<string> = new Set([
  'heartbeats_missed',
  'consumer_not_found',
  'stream_not_found',
  'consumer_deleted',
  'no_responders',
  'exceeded_limits',
]);

/** A delivered message this process holds (queued or being handled), and since when. */
interface Held {
  readonly msg: JsMsg;
  since: number;
}

/** Create (or update) the durable and start the loop; resolves once it is pulling. */
export const startNatsConsumer = (
  deps: NatsConsumerDeps,
  options: ConsumeOptions,
  handler: Handler,
  onStopped: (c: Consumer) => void,
): TE.TaskEither<InfrastructureError, Consumer> => {
  const { nc, js, jsm, log, requestTimeoutMs, ackWaitMs, retryDelayMs, streams } = deps;
  const app = options.app;
  const tracker = new DeliveryTracker(options);
  const spec: DurableSpec = {
    name: durableName(app),
    filterSubject: options.subject ?? ALL_EVENTS_SUBJECT,
    ackWaitMs,
  };
  const name = spec.name;

  let stopping = false;
  /** Everything that sleeps (backoff, retry pauses, the worker waiting for messages) and must wake on stop. */
  const sleepers = new Set<() => void>();
  const wakeAll = (): void => {
    for (const w of [...sleepers]) w();
  };
  /** Sleep `ms`; resolves false at once if stopping. */
  const pause = (ms: number): Promise<boolean> =>
    stopping
      ? Promise.resolve(false)
      : new Promise<boolean>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            sleepers.delete(done);
            resolve(!stopping);
          };
          const timer = setTimeout(done, ms);
          sleepers.add(done);
        });

  /**
   * The server state a session starts from. Unacknowledged messages left over from before
   * (nak'd or lost at a stop, in flight at a crash or disconnect, held by a dead process)
   * would be redelivered after newer ones once their ack_wait runs out — possibly not at
   * all to us. So if there are any, the durable is re-created from its ack floor first.
   * Returns the consumer and the delivery sequence the session's first message must carry.
   */
  const startSession = async (withStreams: boolean): Promise<{ consumer: JsConsumer; nextDseq: number }> => {
    // After the consumer (or the whole store) vanished: streams first, then the durable.
    if (withStreams) await ensureStreams(jsm, streams, log);
    // Our own acks and naks from a previous session reach the server before we look.
    await nc.flush();
    let info: ConsumerInfo = await ensureDurable(jsm, spec, log);
    if (info.num_ack_pending > 0)
      info = await resyncDurable(
        jsm,
        spec,
        log,
        `${info.num_ack_pending} unacknowledged message(s) from before`,
      );
    const consumer = await js.consumers.get(EVENTS_STREAM, name);
    return { consumer, nextDseq: info.delivered.consumer_seq + 1 };
  };

  const deadLetter = (m: JsMsg, reason: string, deliveries: number) => {
    const h = natsHeaders();
    h.set(DLQ_REASON_HEADER, headerValue(reason));
    h.set(DLQ_SUBJECT_HEADER, m.subject);
    h.set(DLQ_CONSUMER_HEADER, app);
    h.set(DLQ_DELIVERIES_HEADER, String(deliveries));
    // The id makes a retry after a lost ack (or a crash before the ack) land once in the DLQ.
    const msgID = `${name}:${m.seq}`;
    return attempt('deadLetter', requestTimeoutMs, () =>
      js.publish(deadLetterSubject(app), m.data, { msgID, headers: h, timeout: requestTimeoutMs }),
    )();
  };

  // A long handler (or a long queue behind it) must not look dead to the server, which would
  // redeliver behind our back: one timer per consumer tells the server every message we hold
  // is in progress.
  let held: { readonly queue: readonly Held[]; current: Held | undefined } | undefined;
  const keepAliveEvery = Math.max(1000, Math.floor(ackWaitMs / 3));
  const keepAlive = setInterval(() => {
    if (!held) return;
    const now = Date.now();
    for (const h of held.current ? [held.current, ...held.queue] : held.queue)
      if (now - h.since >= keepAliveEvery) {
        h.msg.working();
        h.since = now;
      }
  }, keepAliveEvery);
  keepAlive.unref();

  /**
   * Handle one message to the end: applied, skipped or dead-lettered, then acked. Only a
   * stop cuts it short (between handler attempts, or while the DLQ is unreachable): then the
   * message is nak'd unsettled, like the queued ones behind it. A poison event halts the
   * consumer the same way, with the event given back unacknowledged.
   */
  const handleOne = async (m: JsMsg): Promise<void> => {
    const verdict: Verdict = await tracker.handle(m.data, (n) => m.headers?.get(n) || undefined, handler, {
      retryDelayMs,
      pause,
      onRetry: (event, reason, n) =>
        log.warn(
          { app, eventId: event.eventId, reason, attempt: n },
          'bus: handler failed; retrying in place',
        ),
    });
    if (verdict._tag === 'interrupted') {
      m.nak();
      return;
    }
    if (verdict._tag === 'poison') {
      m.nak();
      tracker.settle(verdict);
      log.error(
        { app, position: verdict.position, eventId: verdict.eventId, reason: verdict.reason },
        'bus: poison event; consumer halted (nothing after it is applied until a restart)',
      );
      stopping = true;
      wakeAll();
      return;
    }
    if (verdict._tag === 'dead-letter') {
      for (let tries = 1; ; tries++) {
        const sent = await deadLetter(m, verdict.reason, m.info.deliveryCount);
        if (E.isRight(sent)) break;
        // Not in the DLQ yet, so not acked; and not nak'd either (that would let later
        // events overtake it): keep trying in place.
        log.error(
          { app, subject: m.subject, seq: m.seq, error: sent.left.message },
          'bus: dead-letter publish failed; retrying',
        );
        if (!(await pause(Math.min(MAX_DLQ_RETRY_MS, retryDelayMs * 2 ** Math.min(tries, 10))))) {
          m.nak();
          return;
        }
      }
      log.warn({ app, subject: m.subject, seq: m.seq, reason: verdict.reason }, 'bus: message dead-lettered');
    }
    m.ack();
    tracker.settle(verdict);
  };

  const watch = async (messages: ConsumerMessages): Promise<void> => {
    for await (const s of messages.status()) {
      if (NOTABLE_STATUS.has(s.type)) log.warn({ app, status: s }, `bus: consumer ${s.type}`);
    }
  };

  let current: ConsumerMessages | undefined;

  /**
   * One session: a reader takes deliveries off the iterator as they come (so pulls are
   * renewed at once) and checks the delivery sequence; the worker handles the queue one
   * message at a time. Resolves once the iterator has ended and the queue is settled, with
   * whether a delivery was missed (the next session must then resync).
   */
  const runSession = async (consumer: JsConsumer, firstDseq: number): Promise<{ lost: boolean }> => {
    const messages = await consumer.consume({
      max_messages: PULL_BATCH,
      expires: PULL_EXPIRES_MS,
      // The client would otherwise poll a deleted consumer forever; ending lets this loop
      // re-create it (after a reconnect the client itself re-pulls, no abort involved).
      abort_on_missing_resource: true,
    });
    current = messages;
    void watch(messages);
    if (stopping) void messages.close();

    const queue: Held[] = [];
    const session: { readonly queue: Held[]; current: Held | undefined } = { queue, current: undefined };
    held = session;
    let readerDone = false;
    let readerError: unknown;
    let lost = false;
    let signal: (() => void) | undefined;
    const notify = (): void => {
      const s = signal;
      signal = undefined;
      s?.();
    };

    const reader = (async () => {
      let nextDseq = firstDseq;
      for await (const m of messages) {
        if (lost) continue; // the durable will be re-created: what follows comes again
        const dseq = m.info.deliverySequence;
        if (dseq !== nextDseq) {
          // The server delivered something we never saw (in flight at a disconnect, sent to a
          // closed session's pull, or taken by another instance of this app). Handling this
          // message could overtake it: stop here, resync, and get both again, in order.
          lost = true;
          if (!stopping)
            log.warn({ app, expected: nextDseq, got: dseq }, 'bus: gap in delivery sequence; resyncing');
          void messages.close();
          notify();
          continue;
        }
        nextDseq = dseq + 1;
        queue.push({ msg: m, since: Date.now() });
        notify();
      }
    })()
      .catch((e: unknown) => {
        readerError = e;
      })
      .finally(() => {
        readerDone = true;
        notify();
      });

    /** The next message to handle, in delivery order; none once stopping, after a gap, or at the end. */
    const nextMessage = async (): Promise<Held | undefined> => {
      for (;;) {
        if (stopping || lost) return undefined;
        const h = queue.shift();
        if (h) return h;
        if (readerDone) return undefined;
        await new Promise<void>((resolve) => {
          const done = (): void => {
            sleepers.delete(done);
            resolve();
          };
          signal = done;
          sleepers.add(done);
        });
      }
    };

    try {
      for (let h = await nextMessage(); h; h = await nextMessage()) {
        session.current = h;
        try {
          await handleOne(h.msg);
        } finally {
          session.current = undefined;
        }
      }
    } finally {
      // Stopping: close the iterator (it hands over what it already holds) and give back
      // everything delivered but not started. That is sound: a nak'd message is above the
      // mark, and the next session of this app (here or in another process) finds it
      // unacknowledged and re-creates the durable from the ack floor (`startSession`), so it
      // comes back before anything newer. The nak alone does not promise that on nats-server
      // 2.9: a nak'd message can go to the closed session's last pull request, and one in
      // flight at the close is lost until ack_wait. An app that restarts also replays the
      // store first, so everything published before it started is at or below its mark.
      // After a gap the rest is just dropped: the resync brings it back.
      if (stopping || lost) void messages.close();
      await reader;
      for (const h of queue.splice(0)) if (!lost) h.msg.nak();
      if (held === session) held = undefined;
    }
    if (!stopping && !lost) {
      const err = readerError ?? (await messages.closed());
      log.warn(
        { app, error: err instanceof Error ? err.message : undefined },
        'bus: consumer ended; restarting it',
      );
    }
    return { lost };
  };

  return attempt('consume', requestTimeoutMs * 3, async () => {
    let first: { consumer: JsConsumer; nextDseq: number } | undefined = await startSession(false);

    const loop = async (): Promise<void> => {
      let failures = 0;
      let lastLossAt = -Infinity;
      while (!stopping && !nc.isClosed()) {
        let lost = false;
        try {
          const s = first ?? (await attemptOrThrow('reopen consumer', () => startSession(true)));
          first = undefined;
          const before = tracker.stats().received;
          lost = (await runSession(s.consumer, s.nextDseq)).lost;
          if (!lost && tracker.stats().received > before) failures = 0;
        } catch (e) {
          if (!stopping)
            log.error(
              { app, error: e instanceof Error ? e.message : String(e) },
              'bus: consumer failed; restarting it',
            );
        }
        current = undefined;
        if (stopping || nc.isClosed()) break;
        // A rare gap (a reconnect) is repaired at once; repeated trouble backs off — e.g. a
        // second instance pulling from the same durable, which exactness does not allow.
        const now = Date.now();
        const repairAtOnce = lost && now - lastLossAt > 30_000;
        if (lost) lastLossAt = now;
        failures++;
        if (!repairAtOnce) await pause(Math.min(10_000, 250 * 2 ** Math.min(failures, 6)));
      }
    };

    const attemptOrThrow = async <A>(op: string, f: () => Promise<A>): Promise<A> => {
      const r = await attempt(op, requestTimeoutMs * 3, f)();
      if (E.isLeft(r)) throw new Error(r.left.message);
      return r.right;
    };

    const running = loop();
    const consumer: Consumer = {
      position: () => tracker.position(),
      stats: () => tracker.stats(),
      health: () => tracker.health(),
      stop: async () => {
        stopping = true;
        wakeAll();
        // close() ends the iterator after what it already holds; the session naks those.
        void current?.close().catch(() => undefined);
        await running;
        clearInterval(keepAlive);
        onStopped(consumer);
      },
    };
    return consumer;
  });
};
