/**
 * The EventBus on NATS JetStream (the real one). Connects once and reconnects forever, so
 * an app survives a NATS restart by itself: publishes made during the outage fail with a
 * timeout (the relay retries them; the event id dedupes), and consumer loops resume.
 * Every client call is bounded by an explicit timeout and mapped to InfrastructureError.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { natsLeases } from './lease';
import { pipe } from 'fp-ts/function';
import { JetStreamClient, JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
// Types and helpers come from nats-core: under this repo's `node` module resolution the
// transport's re-export (`@nats-io/nats-core/internal`, an `exports` subpath) has no types.
import { ConnectionOptions, Msg, MsgHdrs, NatsConnection, headers as natsHeaders } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  DEAD_LETTER_STREAM,
  EVENTS_STREAM,
  EVENT_DEFINITIONS,
  InfrastructureError,
  RecordedEvent,
  deadLetterSubject,
  encodeWire,
  eventSubject,
  infrastructureError,
} from '@keel/events';
import {
  DLQ_CONSUMER_HEADER,
  DLQ_REASON_HEADER,
  DLQ_SUBJECT_HEADER,
  parsePositionHeader,
  POSITION_HEADER,
  STORE_HEADER,
} from './bus.headers';
import { BusLogger, silentLogger } from './bus.logger';
import { COMPONENT, attempt, withTimeout } from './nats.edge';

const lowerCased = (h: MsgHdrs | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  if (h) for (const k of h.keys()) out[k.toLowerCase()] ??= h.get(k);
  return out;
};
import { startNatsConsumer } from './nats.consumer';
import { DEFAULT_STREAM_SETTINGS, ensureStreams, StreamSettings } from './nats.streams';
import {
  BusMessage,
  ConsumeOptions,
  Consumer,
  DeadLetter,
  EventBus,
  Handler,
  Responder,
  Service,
} from './port';

export interface NatsBusOptions {
  /** e.g. `nats://127.0.0.1:4222`, or several for a cluster. */
  readonly servers: string | readonly string[];
  /** The client name the server shows (the app's name). */
  readonly name: string;
  /**
   * The NATS user and password this process connects as (see nats.auth.ts for who may do
   * what); none for a server without authorization.
   */
  readonly user?: string;
  readonly password?: string;
  /** A CA certificate file: connect over TLS, checking the server against it. */
  readonly tlsCaFile?: string;
  readonly logger?: BusLogger;
  /** First connection attempt (default 5 s). After that the client reconnects forever. */
  readonly connectTimeoutMs?: number;
  /** Every JetStream API call and publish ack (default 5 s). */
  readonly requestTimeoutMs?: number;
  /** Pause between reconnect attempts (default 500 ms, plus the client's jitter). */
  readonly reconnectTimeWaitMs?: number;
  /** Publishes awaiting their ack at once (default 500). */
  readonly maxInFlight?: number;
  /** Pause before a failed handler is tried again, in place, on the same event (default 500 ms). */
  readonly retryDelayMs?: number;
  /** Unacked message redelivered after this (default 30 s); the consumer sends keep-alives for what it holds. */
  readonly ackWaitMs?: number;
  /** The events stream's dedupe window (default 2 min). */
  readonly duplicateWindowMs?: number;
  /** How long the events stream keeps a message (default 7 days; 0: forever). See nats.streams.ts. */
  readonly eventsMaxAgeMs?: number;
  /** How long the dead-letter stream keeps a message (default 30 days; 0: forever). */
  readonly deadLettersMaxAgeMs?: number;
  /** This bus owns the streams' limits and changes them when they differ (the relay's); default false. */
  readonly manageStreams?: boolean;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** How far back `lastPublishedPosition` looks past raw (position-less) messages at the tail. */
const MAX_TAIL_SCAN = 1000;

export const connectNatsBus = (options: NatsBusOptions): TE.TaskEither<InfrastructureError, EventBus> => {
  const log = options.logger ?? silentLogger;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  const servers = typeof options.servers === 'string' ? [options.servers] : [...options.servers];
  const streamSettings: StreamSettings = {
    duplicateWindowMs: options.duplicateWindowMs ?? DEFAULT_STREAM_SETTINGS.duplicateWindowMs,
    eventsMaxAgeMs: options.eventsMaxAgeMs ?? DEFAULT_STREAM_SETTINGS.eventsMaxAgeMs,
    deadLettersMaxAgeMs: options.deadLettersMaxAgeMs ?? DEFAULT_STREAM_SETTINGS.deadLettersMaxAgeMs,
    manage: options.manageStreams ?? false,
  };

  const connectOptions: ConnectionOptions = {
    servers,
    name: options.name,
    ...(options.user ? { user: options.user, pass: options.password ?? '' } : {}),
    ...(options.tlsCaFile ? { tls: { caFile: options.tlsCaFile } } : {}),
    timeout: connectTimeoutMs,
    // Never give up: a NATS restart or network blip must heal without an operator.
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
    // Notice a silently dead server within ~30 s (the default is 2 min per ping).
    pingInterval: 10_000,
    maxPingOut: 3,
    // The client otherwise builds an Error (with a stack) per request to enrich a possible
    // failure: about a tenth of the CPU of a publish or an ack on the hot path.
    noAsyncTraces: true,
  };
  const opened: TE.TaskEither<InfrastructureError, NatsConnection> = async () => {
    const pending: Promise<NatsConnection> = connect(connectOptions);
    const r = await attempt('connect', connectTimeoutMs + 1000, () => pending)();
    // If our timer won but the client connects later, that connection must not live on.
    if (E.isLeft(r))
      void pending.then(
        (nc) => nc.close(),
        () => undefined,
      );
    return r;
  };

  return pipe(
    opened,
    TE.chain((nc) =>
      pipe(
        attempt('setup', requestTimeoutMs * 3, async () => {
          const jsm = await jetstreamManager(nc, { timeout: requestTimeoutMs });
          await ensureStreams(jsm, streamSettings, log);
          return jsm;
        }),
        TE.map((jsm) =>
          makeBus(nc, jsm, jetstream(nc, { timeout: requestTimeoutMs }), options, streamSettings, log),
        ),
        TE.orElse((e) => {
          // Half-open: don't leave a reconnecting client behind a failed start.
          void nc.close().catch(() => undefined);
          return TE.left(e);
        }),
      ),
    ),
  );
};

const makeBus = (
  nc: NatsConnection,
  jsm: JetStreamManager,
  js: JetStreamClient,
  options: NatsBusOptions,
  streamSettings: StreamSettings,
  log: BusLogger,
): EventBus => {
  const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 500);
  const consumers = new Set<Consumer>();

  void (async () => {
    for await (const s of nc.status()) {
      // Only these three matter to an operator; pings, cluster updates etc. are noise.
      if (s.type === 'disconnect')
        log.warn({ server: s.server }, 'bus: disconnected from NATS; reconnecting');
      else if (s.type === 'reconnect') log.info({ server: s.server }, 'bus: reconnected to NATS');
      else if (s.type === 'error') log.error({ error: s.error.message }, 'bus: NATS error');
    }
  })().catch(() => undefined);

  /**
   * Pipelined: up to `maxInFlight` publishes await their acks together. They leave on one
   * connection in call order, so the stream stores them in order; the first failure stops
   * sending more and is reported once the rest have settled.
   */
  const publishAll = async (events: readonly RecordedEvent[], store: string | undefined): Promise<void> => {
    let failure: { readonly cause: unknown } | undefined;
    const window: Promise<void>[] = [];
    for (const e of events) {
      if (failure) break;
      if (window.length >= maxInFlight) await window.shift();
      const h = natsHeaders();
      h.set(POSITION_HEADER, String(e.globalPosition));
      if (store !== undefined) h.set(STORE_HEADER, store);
      const sent = js
        .publish(eventSubject(EVENT_DEFINITIONS[e.type].context, e.type), utf8.encode(encodeWire(e)), {
          msgID: e.eventId,
          headers: h,
          timeout: requestTimeoutMs,
        })
        .then(
          () => undefined,
          (cause: unknown) => {
            failure ??= { cause };
          },
        );
      window.push(sent);
    }
    await Promise.all(window);
    if (failure) throw failure.cause;
  };

  const publish = (
    events: readonly RecordedEvent[],
    store?: string,
  ): TE.TaskEither<InfrastructureError, void> =>
    // No outer timer: every message's publish carries its own ack timeout, which bounds each
    // wait in publishAll (and a timer per call is measurable on the relay's hot path).
    TE.tryCatch(
      () => publishAll(events, store),
      (cause) => infrastructureError(COMPONENT, 'publish', cause),
    );

  const publishRaw = (
    subject: string,
    payload: Uint8Array,
    headers: Readonly<Record<string, string>> = {},
  ): TE.TaskEither<InfrastructureError, void> =>
    attempt('publishRaw', requestTimeoutMs + 1000, () => {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(headers)) h.set(k, v);
      return js
        .publish(subject, payload, {
          timeout: requestTimeoutMs,
          ...(Object.keys(headers).length ? { headers: h } : {}),
        })
        .then(() => undefined);
    });

  const consume = (o: ConsumeOptions, handler: Handler): TE.TaskEither<InfrastructureError, Consumer> =>
    pipe(
      startNatsConsumer(
        {
          nc,
          js,
          jsm,
          log,
          requestTimeoutMs,
          ackWaitMs: options.ackWaitMs ?? 30_000,
          retryDelayMs: options.retryDelayMs ?? 500,
          streams: streamSettings,
        },
        o,
        handler,
        (c) => consumers.delete(c),
      ),
      TE.map((c) => {
        consumers.add(c);
        return c;
      }),
    );

  /**
   * The `Keel-Position` of the newest message in the events stream. Raw messages (tools,
   * tests) carry none, so it looks back past them, a bounded distance.
   */
  const lastPublishedPosition = (): TE.TaskEither<InfrastructureError, number | null> =>
    attempt('lastPublishedPosition', requestTimeoutMs * 4, async () => {
      const info = await jsm.streams.info(EVENTS_STREAM);
      const { first_seq: first, last_seq: last, messages } = info.state;
      // Messages were stored and have aged out: NATS no longer knows how far the relay got.
      if (messages === 0) return last > 0 ? null : 0;
      for (let seq = last; seq >= first && seq > last - MAX_TAIL_SCAN; seq--) {
        const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq });
        const p = m?.header?.get(POSITION_HEADER);
        if (!p) continue;
        // A malformed position was not written by a relay: refuse it rather than resume from NaN.
        const parsed = parsePositionHeader(p);
        if (!parsed.ok) throw new Error(`${EVENTS_STREAM} message ${seq}: ${parsed.reason}`);
        return parsed.position;
      }
      return 0;
    });

  /** The `Keel-Store` of the newest stamped message in the events stream (null: none says). */
  const lastPublishedStore = (): TE.TaskEither<InfrastructureError, string | null> =>
    attempt('lastPublishedStore', requestTimeoutMs * 4, async () => {
      const info = await jsm.streams.info(EVENTS_STREAM);
      const { first_seq: first, last_seq: last, messages } = info.state;
      if (messages === 0) return null;
      for (let seq = last; seq >= first && seq > last - MAX_TAIL_SCAN; seq--) {
        const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq });
        if (!m?.header?.get(POSITION_HEADER)) continue;
        return m.header.get(STORE_HEADER) || null;
      }
      return null;
    });

  const deadLetters = (app: string): TE.TaskEither<InfrastructureError, readonly DeadLetter[]> =>
    attempt('deadLetters', requestTimeoutMs * 6, async () => {
      const subject = deadLetterSubject(app);
      const info = await jsm.streams.info(DEAD_LETTER_STREAM, { subjects_filter: subject });
      const count = info.state.subjects?.[subject] ?? 0;
      if (count === 0) return [];
      // An ordered consumer: ephemeral, filtered to this app, read once from the start.
      const reader = await js.consumers.get(DEAD_LETTER_STREAM, { filter_subjects: subject });
      const out: DeadLetter[] = [];
      // Ask for exactly what is there: a fetch for more would wait out its expiry.
      let wanted = count;
      while (wanted > 0) {
        const batch = await reader.fetch({ max_messages: Math.min(wanted, 256), expires: requestTimeoutMs });
        wanted = 0;
        for await (const m of batch) {
          out.push({
            consumer: m.headers?.get(DLQ_CONSUMER_HEADER) || app,
            originalSubject: m.headers?.get(DLQ_SUBJECT_HEADER) ?? '',
            reason: m.headers?.get(DLQ_REASON_HEADER) ?? '',
            payload: text.decode(m.data),
          });
          wanted = m.info.pending;
        }
      }
      return out;
    });

  const ping = (): TE.TaskEither<InfrastructureError, void> =>
    attempt('ping', requestTimeoutMs, () => nc.flush());

  const services = new Set<Service>();
  const serve = (
    subject: string,
    queue: string,
    responder: Responder,
  ): TE.TaskEither<InfrastructureError, Service> =>
    TE.tryCatch(
      async () => {
        const inFlight = new Set<Promise<void>>();
        const answer = async (m: Msg): Promise<void> => {
          try {
            const reply = await responder({ data: m.data, headers: lowerCased(m.headers) });
            const h = natsHeaders();
            for (const [k, v] of Object.entries(reply.headers)) h.set(k, v);
            m.respond(reply.data, { headers: h });
          } catch (e) {
            log.warn({ subject, err: String(e) }, 'bus: responder failed; the request goes unanswered');
          }
        };
        const sub = nc.subscribe(subject, {
          queue,
          callback: (err, m) => {
            if (err) return log.warn({ subject, err: String(err) }, 'bus: request subscription error');
            const p = answer(m).finally(() => inFlight.delete(p));
            inFlight.add(p);
          },
        });
        await nc.flush();
        const service: Service = {
          stop: async () => {
            services.delete(service);
            if (!sub.isClosed())
              await withTimeout(sub.drain(), requestTimeoutMs, 'drain').catch(() => undefined);
            await Promise.all([...inFlight]);
          },
        };
        services.add(service);
        return service;
      },
      (cause) => infrastructureError(COMPONENT, `serve ${subject}`, cause),
    );

  const request = (
    subject: string,
    message: BusMessage,
    timeoutMs: number,
  ): TE.TaskEither<InfrastructureError, BusMessage> =>
    TE.tryCatch(
      async () => {
        const h = natsHeaders();
        for (const [k, v] of Object.entries(message.headers)) h.set(k, v);
        const r = await nc.request(subject, message.data, { timeout: timeoutMs, headers: h });
        return { data: r.data, headers: lowerCased(r.headers) };
      },
      (cause) => infrastructureError(COMPONENT, `request ${subject}`, cause),
    );

  const close = async (): Promise<void> => {
    await Promise.all([...consumers].map((c) => c.stop()));
    await Promise.all([...services].map((sv) => sv.stop()));
    if (nc.isClosed()) return;
    // Drain sends the acks still buffered; if the server is gone, give up and close.
    const drained = await withTimeout(nc.drain(), requestTimeoutMs, 'drain').then(
      () => true,
      () => false,
    );
    if (!drained && !nc.isClosed()) await nc.close().catch(() => undefined);
  };

  return {
    publish,
    publishRaw,
    leases: (o) => natsLeases(nc, o),
    consume,
    serve,
    request,
    lastPublishedPosition,
    lastPublishedStore,
    deadLetters,
    ping,
    close,
  };
};
