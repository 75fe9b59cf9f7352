/**
 * The JetStream resources the bus needs, created or brought up to date idempotently at
 * start-up (every app does it; the first one creates, the others find them): the events
 * stream, the dead-letter stream and one durable pull consumer per app.
 */
import {
  AckPolicy,
  ConsumerConfig,
  ConsumerInfo,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  JetStreamManager,
  RetentionPolicy,
  StorageType,
  StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import {
  ALL_DEAD_LETTERS_SUBJECT,
  ALL_EVENTS_SUBJECT,
  DEAD_LETTER_STREAM,
  EVENTS_STREAM,
} from '@keel/events';
import { BusLogger } from './bus.logger';

const isApiError = (e: unknown, code: number): boolean => e instanceof JetStreamApiError && e.code === code;

/**
 * How the two streams are kept. `maxAgeMs` bounds what NATS holds (0: forever): the store is the
 * log, NATS only carries it, and a consumer that falls further behind than this is caught up
 * from the store (a gap, `fillGap`). Only a bus that manages the streams (the relay's) changes
 * the limits of an existing stream; the others leave them as they find them.
 */
export interface StreamSettings {
  readonly duplicateWindowMs: number;
  readonly eventsMaxAgeMs: number;
  readonly deadLettersMaxAgeMs: number;
  readonly manage: boolean;
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  duplicateWindowMs: 120_000,
  eventsMaxAgeMs: 7 * 86_400_000,
  deadLettersMaxAgeMs: 30 * 86_400_000,
  manage: false,
};

const streamConfig = (
  name: string,
  subject: string,
  duplicateWindowMs: number,
  maxAgeMs: number,
): StreamConfig =>
  ({
    name,
    subjects: [subject],
    // Files, not memory: a NATS restart must not lose what the relay already counted as published.
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    // The server refuses a dedupe window longer than the messages are kept.
    duplicate_window: nanos(maxAgeMs > 0 ? Math.min(duplicateWindowMs, maxAgeMs) : duplicateWindowMs),
    max_age: nanos(maxAgeMs),
    num_replicas: 1,
  }) as StreamConfig; // the client's type lists every optional server field as required

const ensureStream = async (
  jsm: JetStreamManager,
  cfg: StreamConfig,
  manage: boolean,
  log: BusLogger,
): Promise<void> => {
  try {
    const info = await jsm.streams.info(cfg.name);
    const subjectsDiffer = JSON.stringify(info.config.subjects ?? []) !== JSON.stringify(cfg.subjects);
    const limitsDiffer =
      info.config.duplicate_window !== cfg.duplicate_window || (info.config.max_age ?? 0) !== cfg.max_age;
    // Without the subjects nothing works, so any bus puts them right; the limits are the relay's.
    if (subjectsDiffer || (manage && limitsDiffer)) {
      log.warn(
        {
          stream: cfg.name,
          had: {
            subjects: info.config.subjects,
            duplicate_window: info.config.duplicate_window,
            max_age: info.config.max_age,
          },
        },
        'bus: updating stream configuration',
      );
      await jsm.streams.update(cfg.name, {
        subjects: cfg.subjects,
        ...(manage ? { duplicate_window: cfg.duplicate_window, max_age: cfg.max_age } : {}),
      });
    }
  } catch (e) {
    if (!isApiError(e, JetStreamApiCodes.StreamNotFound)) throw e;
    try {
      await jsm.streams.add(cfg);
      log.info({ stream: cfg.name, subjects: cfg.subjects }, 'bus: created stream');
    } catch (addErr) {
      // Another app created it between our info and add: that is fine if it now exists.
      await jsm.streams.info(cfg.name).catch(() => Promise.reject(addErr));
    }
  }
};

/** Both streams: `KEEL_EVENTS` on `keel.evt.>` and `KEEL_DLQ` on `keel.dlq.>`. */
export const ensureStreams = async (
  jsm: JetStreamManager,
  settings: StreamSettings,
  log: BusLogger,
): Promise<void> => {
  const { duplicateWindowMs: w, manage } = settings;
  await ensureStream(
    jsm,
    streamConfig(EVENTS_STREAM, ALL_EVENTS_SUBJECT, w, settings.eventsMaxAgeMs),
    manage,
    log,
  );
  await ensureStream(
    jsm,
    streamConfig(DEAD_LETTER_STREAM, ALL_DEAD_LETTERS_SUBJECT, w, settings.deadLettersMaxAgeMs),
    manage,
    log,
  );
};

export interface DurableSpec {
  readonly name: string;
  readonly filterSubject: string;
  readonly ackWaitMs: number;
}

/**
 * How many messages the server may hand an app's consumer before it has their acks. It used
 * to be 1 (one round trip per message: ~5k msg/s, and latency queued behind acks); now the
 * server streams up to this many ahead while the client still handles them one at a time.
 *
 * Why that keeps the high-water mark exact (an event at or below the mark was applied):
 * - The server delivers new messages in stream order, and the client handles them strictly
 *   in delivery order, one at a time, and acks each only after it is applied.
 * - A failing handler is retried in place (delivery.policy.ts), never nak'd, so nothing is
 *   redelivered out of order while the consumer runs; `working()` keeps held messages from
 *   being redelivered behind its back.
 * - What the server delivered but the client never saw (in flight at a disconnect or at
 *   stop, or sent to a pull request of a closed session: nats-server 2.9 does that) would
 *   come back only after ack_wait, behind newer events. The consumer detects it — a gap in
 *   the consumer's delivery sequence, or unacked messages left over when a session starts —
 *   and then re-creates the durable from its ack floor (`resyncDurable`), so delivery
 *   restarts in stream order from the first unacknowledged message.
 */
export const MAX_ACK_PENDING = 512;

/** The server-side settings the bus insists on; compared with an existing durable's config. */
const wantedConfig = (spec: DurableSpec) => ({
  filter_subject: spec.filterSubject,
  max_ack_pending: MAX_ACK_PENDING,
  ack_wait: nanos(spec.ackWaitMs),
  // The bus, not the server, counts failures and dead-letters (the server would silently drop).
  max_deliver: -1,
});

const createDurable = (
  jsm: JetStreamManager,
  spec: DurableSpec,
  fromStreamSeq?: number,
): Promise<ConsumerInfo> => {
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.name,
    ack_policy: AckPolicy.Explicit,
    ...(fromStreamSeq === undefined || fromStreamSeq <= 1
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromStreamSeq }),
    ...wantedConfig(spec),
  };
  return jsm.consumers.add(EVENTS_STREAM, config);
};

/**
 * Delete the app's durable and create it again starting at its ack floor + 1: the server
 * forgets every outstanding delivery (and pull request) and delivers again, in stream order,
 * from the first message not yet acknowledged. Everything at or below the floor was acked,
 * so applied (or dead-lettered) by this app; what comes again above it is either new to the
 * app or at or below its mark (skipped as a duplicate).
 */
export const resyncDurable = async (
  jsm: JetStreamManager,
  spec: DurableSpec,
  log: BusLogger,
  reason: string,
): Promise<ConsumerInfo> => {
  let from = 1;
  try {
    const info = await jsm.consumers.info(EVENTS_STREAM, spec.name);
    from = info.ack_floor.stream_seq + 1;
    await jsm.consumers.delete(EVENTS_STREAM, spec.name);
  } catch (e) {
    if (!isApiError(e, JetStreamApiCodes.ConsumerNotFound)) throw e;
  }
  log.warn(
    { consumer: spec.name, fromStreamSeq: from, reason },
    'bus: re-creating durable consumer from its ack floor',
  );
  return createDurable(jsm, spec, from);
};

/**
 * The app's durable consumer, created or brought up to date (a durable from before
 * MAX_ACK_PENDING, with max_ack_pending 1, is updated in place; nats-server 2.9.10 allows it).
 * If the server refuses an update, the durable is re-created from its ack floor instead: what
 * that delivers again is at or below the mark, so harmless. `max_deliver: -1`: the bus, not
 * the server, counts failures and dead-letters.
 */
export const ensureDurable = async (
  jsm: JetStreamManager,
  spec: DurableSpec,
  log: BusLogger,
): Promise<ConsumerInfo> => {
  const wanted = wantedConfig(spec);
  let info: ConsumerInfo;
  try {
    info = await jsm.consumers.info(EVENTS_STREAM, spec.name);
  } catch (e) {
    if (!isApiError(e, JetStreamApiCodes.ConsumerNotFound)) throw e;
    try {
      return await createDurable(jsm, spec);
    } catch (addErr) {
      // Another instance created it between our info and add: fine if it exists now.
      return jsm.consumers.info(EVENTS_STREAM, spec.name).catch(() => Promise.reject(addErr));
    }
  }
  const c = info.config;
  if (
    (c.filter_subject ?? '') !== wanted.filter_subject ||
    c.max_ack_pending !== wanted.max_ack_pending ||
    c.ack_wait !== wanted.ack_wait ||
    c.max_deliver !== wanted.max_deliver
  ) {
    log.info(
      {
        consumer: spec.name,
        had: {
          filter_subject: c.filter_subject,
          max_ack_pending: c.max_ack_pending,
          ack_wait: c.ack_wait,
          max_deliver: c.max_deliver,
        },
      },
      'bus: updating durable consumer',
    );
    try {
      return await jsm.consumers.update(EVENTS_STREAM, spec.name, wanted);
    } catch (e) {
      if (!(e instanceof JetStreamApiError)) throw e;
      return resyncDurable(jsm, spec, log, `update refused: ${e.message}`);
    }
  }
  return info;
};
