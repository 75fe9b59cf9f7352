/**
 * The in-memory bus: the same semantics as the NATS adapter, in one process, for unit tests
 * and simulations. It models what the adapter relies on from JetStream: two streams
 * (events, dead letters) that keep bytes and headers, dedupe by message id within a window,
 * and one durable consumer per app that remembers its ack floor across `consume()` calls.
 * Like the NATS consumer it handles one message at a time in stream order, retrying a
 * failing handler in place (from `retryDelayMs` apart, backing off, each attempt counted as a
 * delivery) until it succeeds; a stop between attempts leaves the message unacked, and a
 * poison event halts the consumer with the event unacked.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { memoryLeases } from './lease';
import {
  ALL_DEAD_LETTERS_SUBJECT,
  ALL_EVENTS_SUBJECT,
  EVENT_DEFINITIONS,
  InfrastructureError,
  RecordedEvent,
  deadLetterSubject,
  durableName,
  encodeWire,
  eventSubject,
  infrastructureError,
} from '@keel/events';
import {
  DLQ_CONSUMER_HEADER,
  DLQ_DELIVERIES_HEADER,
  DLQ_REASON_HEADER,
  DLQ_SUBJECT_HEADER,
  MSG_ID_HEADER,
  POSITION_HEADER,
  STORE_HEADER,
  headerValue,
  parsePositionHeader,
} from './bus.headers';
import { BusLogger, silentLogger } from './bus.logger';
import { DeliveryTracker } from './delivery.policy';
import { ConsumeOptions, Consumer, DeadLetter, EventBus, Handler } from './port';
import { createInProcessRequests } from './in-process.requests';
import { subjectMatches } from './subject.match';

export interface MemoryBusOptions {
  /** Same id published again within this window is dropped (default 2 min, like the NATS stream). */
  readonly duplicateWindowMs?: number;
  /** Pause before a failed handler is tried again on the same event (default 500 ms). */
  readonly retryDelayMs?: number;
  readonly logger?: BusLogger;
  /** Wall clock for the dedupe window; injectable so a test can step past the window. */
  readonly now?: () => number;
}

interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: ReadonlyMap<string, string>;
}

interface Durable {
  filter: string;
  /** Sequence of the last acknowledged message (messages are acked in order). */
  ackFloor: number;
  /** A consumer of this durable is handling a message (one at a time, in order). */
  busy: boolean;
}

const utf8 = new TextEncoder();

/** Index of the first message with a sequence above `seq` (the log is in sequence order). */
const firstAfter = (log: readonly StoredMessage[], seq: number): number => {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((log[mid]?.seq ?? Infinity) <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const COMPONENT = 'memory-bus';

/** Wakes every waiting consumer loop; each re-checks its own condition. */
class Signal {
  private waiters: (() => void)[] = [];
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, Math.max(0, timeoutMs));
    });
  }
  notify(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}

export const createMemoryBus = (options: MemoryBusOptions = {}): EventBus => {
  const windowMs = options.duplicateWindowMs ?? 120_000;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const log = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;

  const events: StoredMessage[] = [];
  const deadLetterLog: StoredMessage[] = [];
  const recentIds = new Map<string, number>();
  const durables = new Map<string, Durable>();
  const consumers = new Set<{ stop(): Promise<void> }>();
  const signal = new Signal();
  const leaseTable = new Map<string, { owner: string; at: number }>();
  let seq = 0;
  let closed = false;

  const closedError = (op: string): InfrastructureError =>
    infrastructureError(COMPONENT, op, new Error('bus is closed'));

  /** JetStream semantics: a subject no stream covers has no responders; a duplicate id is dropped. */
  const store = (
    subject: string,
    data: Uint8Array,
    headers: ReadonlyMap<string, string>,
  ): Error | undefined => {
    const stream = subjectMatches(ALL_EVENTS_SUBJECT, subject)
      ? events
      : subjectMatches(ALL_DEAD_LETTERS_SUBJECT, subject)
        ? deadLetterLog
        : undefined;
    if (!stream) return new Error(`no stream for subject ${subject} (no responders)`);
    const id = headers.get(MSG_ID_HEADER);
    if (id !== undefined) {
      const t = now();
      for (const [k, at] of recentIds) {
        if (t - at < windowMs) break; // insertion order = time order
        recentIds.delete(k);
      }
      if (recentIds.has(id)) return undefined;
      recentIds.set(id, t);
    }
    stream.push({ seq: ++seq, subject, data, headers });
    signal.notify();
    return undefined;
  };

  const publish =
    (batch: readonly RecordedEvent[], origin?: string): TE.TaskEither<InfrastructureError, void> =>
    async () => {
      if (closed) return E.left(closedError('publish'));
      for (const e of batch) {
        const subject = eventSubject(EVENT_DEFINITIONS[e.type].context, e.type);
        const headers = new Map([
          [MSG_ID_HEADER, e.eventId],
          [POSITION_HEADER, String(e.globalPosition)],
          ...(origin !== undefined ? [[STORE_HEADER, origin] as [string, string]] : []),
        ]);
        const err = store(subject, utf8.encode(encodeWire(e)), headers);
        if (err) return E.left(infrastructureError(COMPONENT, 'publish', err));
      }
      return E.right(undefined);
    };

  const publishRaw =
    (
      subject: string,
      payload: Uint8Array,
      headers: Readonly<Record<string, string>> = {},
    ): TE.TaskEither<InfrastructureError, void> =>
    async () => {
      if (closed) return E.left(closedError('publishRaw'));
      const err = store(subject, payload.slice(), new Map(Object.entries(headers)));
      return err ? E.left(infrastructureError(COMPONENT, 'publishRaw', err)) : E.right(undefined);
    };

  const consume = (opts: ConsumeOptions, handler: Handler): TE.TaskEither<InfrastructureError, Consumer> =>
    TE.tryCatch(
      async () => {
        if (closed) throw new Error('bus is closed');
        const name = durableName(opts.app); // validates the app name like the NATS adapter
        const filter = opts.subject ?? ALL_EVENTS_SUBJECT;
        let durable = durables.get(name);
        if (!durable) {
          durable = { filter, ackFloor: 0, busy: false };
          durables.set(name, durable);
        }
        durable.filter = filter;
        const d = durable;
        const tracker = new DeliveryTracker(opts);
        let stopping = false;

        const nextMessage = (): StoredMessage | undefined => {
          for (let i = firstAfter(events, d.ackFloor); i < events.length; i++) {
            const m = events[i];
            if (m && subjectMatches(d.filter, m.subject)) return m;
          }
          return undefined;
        };

        const ack = (m: StoredMessage): void => {
          d.ackFloor = m.seq;
        };

        /** Sleep between handler attempts; false at once when stopping (the message stays unacked). */
        const pause = async (ms: number): Promise<boolean> => {
          const until = Date.now() + ms;
          while (!stopping && !closed && Date.now() < until) await signal.wait(until - Date.now());
          return !stopping && !closed;
        };

        const handleOne = async (m: StoredMessage): Promise<void> => {
          const verdict = await tracker.handle(m.data, (n) => m.headers.get(n), handler, {
            retryDelayMs,
            pause,
            onRetry: (event, reason, n) =>
              log.warn(
                { app: opts.app, eventId: event.eventId, reason, attempt: n },
                'bus: handler failed; retrying in place',
              ),
          });
          if (verdict._tag === 'interrupted') return; // not acked: the next consume() gets it again
          if (verdict._tag === 'poison') {
            // Not acked either: the consumer halts, and the next consume() tries it again.
            tracker.settle(verdict);
            log.error(
              { app: opts.app, position: verdict.position, reason: verdict.reason },
              'bus: poison event; consumer halted (nothing after it is applied until a restart)',
            );
            stopping = true;
            return;
          }
          if (verdict._tag === 'dead-letter') {
            const headers = new Map([
              [DLQ_REASON_HEADER, headerValue(verdict.reason)],
              [DLQ_SUBJECT_HEADER, m.subject],
              [DLQ_CONSUMER_HEADER, opts.app],
              [DLQ_DELIVERIES_HEADER, '1'],
            ]);
            store(deadLetterSubject(opts.app), m.data, headers);
            log.warn(
              { app: opts.app, subject: m.subject, seq: m.seq, reason: verdict.reason },
              'bus: message dead-lettered',
            );
          }
          ack(m);
          tracker.settle(verdict);
        };

        const loop = async (): Promise<void> => {
          while (!stopping && !closed) {
            const m = d.busy ? undefined : nextMessage();
            if (!m) {
              await signal.wait();
              continue;
            }
            d.busy = true;
            try {
              await handleOne(m);
            } finally {
              d.busy = false;
              signal.notify();
            }
          }
        };

        // Start on a later tick so `consume` returns before the first handler call, as with NATS.
        const running = new Promise<void>((resolve) => setImmediate(resolve)).then(loop);
        const consumer: Consumer = {
          position: () => tracker.position(),
          stats: () => tracker.stats(),
          health: () => tracker.health(),
          stop: async () => {
            stopping = true;
            signal.notify();
            await running;
            consumers.delete(consumer);
          },
        };
        consumers.add(consumer);
        return consumer;
      },
      (cause) => infrastructureError(COMPONENT, 'consume', cause),
    );

  const lastPublishedStore = (): TE.TaskEither<InfrastructureError, string | null> => async () => {
    for (let i = events.length - 1; i >= 0; i--) {
      const h = events[i]?.headers;
      if (h?.get(POSITION_HEADER) === undefined) continue;
      return E.right(h.get(STORE_HEADER) ?? null);
    }
    return E.right(null);
  };

  const lastPublishedPosition = (): TE.TaskEither<InfrastructureError, number | null> => async () => {
    for (let i = events.length - 1; i >= 0; i--) {
      const p = events[i]?.headers.get(POSITION_HEADER);
      if (p === undefined) continue;
      const parsed = parsePositionHeader(p);
      return parsed.ok
        ? E.right(parsed.position)
        : E.left(
            infrastructureError(COMPONENT, 'lastPublishedPosition', `message ${i + 1}: ${parsed.reason}`),
          );
    }
    return E.right(0);
  };

  const deadLetters = (app: string): TE.TaskEither<InfrastructureError, readonly DeadLetter[]> =>
    TE.tryCatch(
      async () => {
        const subject = deadLetterSubject(app);
        const decoder = new TextDecoder();
        return deadLetterLog
          .filter((m) => m.subject === subject)
          .map((m) => ({
            consumer: m.headers.get(DLQ_CONSUMER_HEADER) ?? app,
            originalSubject: m.headers.get(DLQ_SUBJECT_HEADER) ?? '',
            reason: m.headers.get(DLQ_REASON_HEADER) ?? '',
            payload: decoder.decode(m.data),
          }));
      },
      (cause) => infrastructureError(COMPONENT, 'deadLetters', cause),
    );

  const { serve, request } = createInProcessRequests(() => closed);

  return {
    publish,
    publishRaw,
    leases: (o) => TE.right(memoryLeases(o, leaseTable)),
    lastPublishedStore,
    consume,
    serve,
    request,
    lastPublishedPosition,
    deadLetters,
    ping: () => (closed ? TE.left(closedError('ping')) : TE.right(undefined)),
    close: async () => {
      await Promise.all([...consumers].map((c) => c.stop()));
      closed = true;
      signal.notify();
    },
  };
};
