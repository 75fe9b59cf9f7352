/**
 * One app's consumer loop on JetStream: pulls from the app's durable consumer and handles
 * one message at a time through the shared delivery policy. It keeps itself alive: the
 * client re-pulls after a reconnect, and if the message iterator ends for any other reason
 * (consumer deleted, server restarted without its store) the loop re-creates the durable
 * and starts again, with backoff, until stopped.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import {
  Consumer as JsConsumer,
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
import { DeliveryTracker, Verdict, needsDeadLetter } from './delivery.policy';
import { attempt } from './nats.edge';
import { ensureDurable, ensureStreams } from './nats.streams';
import { ConsumeOptions, Consumer, Handler } from './port';

export interface NatsConsumerDeps {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly log: BusLogger;
  readonly requestTimeoutMs: number;
  readonly ackWaitMs: number;
  readonly retryDelayMs: number;
  readonly duplicateWindowMs: number;
}

/** How many messages one pull asks for. With max_ack_pending 1 the server sends one at a time anyway. */
const PULL_BATCH = 16;
/** Pull requests expire and are renewed; heartbeats (half of this) detect a dead pull. */
const PULL_EXPIRES_MS = 10_000;

/** Consumer notifications worth a warning; the rest (heartbeats, pulls) are routine. */
const NOTABLE_STATUS: ReadonlySet<string> = new Set([
  'heartbeats_missed',
  'consumer_not_found',
  'stream_not_found',
  'consumer_deleted',
  'no_responders',
  'exceeded_limits',
]);

/** Create (or update) the durable and start the loop; resolves once it is pulling. */
export const startNatsConsumer = (
  deps: NatsConsumerDeps,
  options: ConsumeOptions,
  handler: Handler,
  onStopped: (c: Consumer) => void,
): TE.TaskEither<InfrastructureError, Consumer> => {
  const { nc, js, jsm, log, requestTimeoutMs, ackWaitMs, retryDelayMs, duplicateWindowMs } = deps;
  const app = options.app;
  const tracker = new DeliveryTracker(options);
  const filterSubject = options.subject ?? ALL_EVENTS_SUBJECT;

  const open = (name: string): Promise<JsConsumer> =>
    ensureDurable(jsm, { name, filterSubject, ackWaitMs }, log).then(() =>
      js.consumers.get(EVENTS_STREAM, name),
    );

  /** After the consumer (or the whole store) vanished: streams first, then the durable. */
  const reopen = (name: string): Promise<JsConsumer> =>
    ensureStreams(jsm, duplicateWindowMs, log).then(() => open(name));

  return attempt('consume', requestTimeoutMs * 3, async () => {
    const name = durableName(app);
    const first = await open(name);

    let stopping = false;
    let current: ConsumerMessages | undefined;
    let wake: (() => void) | undefined;

    const deadLetter = (m: JsMsg, reason: string) => {
      const h = natsHeaders();
      h.set(DLQ_REASON_HEADER, headerValue(reason));
      h.set(DLQ_SUBJECT_HEADER, m.subject);
      h.set(DLQ_CONSUMER_HEADER, app);
      h.set(DLQ_DELIVERIES_HEADER, String(m.info.deliveryCount));
      // The id makes a retry after a lost ack (or a crash before the ack) land once in the DLQ.
      const msgID = `${name}:${m.seq}`;
      return attempt('deadLetter', requestTimeoutMs, () =>
        js.publish(deadLetterSubject(app), m.data, { msgID, headers: h, timeout: requestTimeoutMs }),
      )();
    };

    // A long handler must not look dead to the server (it would redeliver behind our back):
    // one timer per consumer, not per message, tells the server the message is in progress.
    let inFlight: { readonly msg: JsMsg; readonly since: number } | undefined;
    const keepAliveEvery = Math.max(1000, Math.floor(ackWaitMs / 3));
    const keepAlive = setInterval(() => {
      if (inFlight && Date.now() - inFlight.since >= keepAliveEvery) inFlight.msg.working();
    }, keepAliveEvery);
    keepAlive.unref();

    const handleOne = async (m: JsMsg): Promise<void> => {
      let verdict: Verdict;
      inFlight = { msg: m, since: Date.now() };
      try {
        verdict = await tracker.judge(m.data, m.info.deliveryCount, handler);
      } finally {
        inFlight = undefined;
      }
      if (needsDeadLetter(verdict)) {
        const sent = await deadLetter(m, verdict.reason);
        if (E.isLeft(sent)) {
          // Not in the DLQ yet, so not acked: it comes back and we try again.
          log.error(
            { app, subject: m.subject, seq: m.seq, error: sent.left.message },
            'bus: dead-letter publish failed; will retry',
          );
          m.nak(retryDelayMs);
          return;
        }
        m.ack();
        log.warn(
          { app, subject: m.subject, seq: m.seq, reason: verdict.reason },
          'bus: message dead-lettered',
        );
      } else if (verdict.kind === 'retry') {
        m.nak(retryDelayMs);
        log.warn(
          { app, eventId: verdict.event.eventId, reason: verdict.reason },
          'bus: handler failed; will retry',
        );
      } else {
        m.ack();
      }
      tracker.settle(verdict);
    };

    const watch = async (messages: ConsumerMessages): Promise<void> => {
      for await (const s of messages.status()) {
        if (NOTABLE_STATUS.has(s.type)) log.warn({ app, status: s }, `bus: consumer ${s.type}`);
      }
    };

    const loop = async (): Promise<void> => {
      let consumer: JsConsumer | undefined = first;
      let failures = 0;
      while (!stopping && !nc.isClosed()) {
        try {
          if (!consumer) consumer = await attemptOrThrow('reopen consumer', () => reopen(name));
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
          for await (const m of messages) {
            // After stop(): what was already delivered goes back at once, not after ack_wait.
            if (stopping) {
              m.nak();
              continue;
            }
            failures = 0;
            await handleOne(m);
          }
          const err = await messages.closed();
          if (!stopping)
            log.warn(
              { app, error: err instanceof Error ? err.message : undefined },
              'bus: consumer ended; restarting it',
            );
        } catch (e) {
          if (!stopping)
            log.error(
              { app, error: e instanceof Error ? e.message : String(e) },
              'bus: consumer failed; restarting it',
            );
        }
        current = undefined;
        consumer = undefined;
        if (stopping || nc.isClosed()) break;
        failures++;
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, Math.min(10_000, 250 * 2 ** Math.min(failures, 6)));
        });
        clearTimeout(timer); // stop() may have woken us early
        wake = undefined;
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
      stop: async () => {
        stopping = true;
        wake?.();
        // close() ends the iterator after what it already holds; the loop naks those.
        void current?.close().catch(() => undefined);
        await running;
        clearInterval(keepAlive);
        onStopped(consumer);
      },
    };
    return consumer;
  });
};
