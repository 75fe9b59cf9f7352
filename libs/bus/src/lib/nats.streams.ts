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

const streamConfig = (name: string, subject: string, duplicateWindowMs: number): StreamConfig =>
  ({
    name,
    subjects: [subject],
    // Files, not memory: a NATS restart must not lose what the relay already counted as published.
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(duplicateWindowMs),
    num_replicas: 1,
  }) as StreamConfig; // the client's type lists every optional server field as required

const ensureStream = async (jsm: JetStreamManager, cfg: StreamConfig, log: BusLogger): Promise<void> => {
  try {
    const info = await jsm.streams.info(cfg.name);
    const subjectsDiffer = JSON.stringify(info.config.subjects ?? []) !== JSON.stringify(cfg.subjects);
    if (subjectsDiffer || info.config.duplicate_window !== cfg.duplicate_window) {
      log.warn(
        {
          stream: cfg.name,
          had: { subjects: info.config.subjects, duplicate_window: info.config.duplicate_window },
        },
        'bus: updating stream configuration',
      );
      await jsm.streams.update(cfg.name, { subjects: cfg.subjects, duplicate_window: cfg.duplicate_window });
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
  duplicateWindowMs: number,
  log: BusLogger,
): Promise<void> => {
  await ensureStream(jsm, streamConfig(EVENTS_STREAM, ALL_EVENTS_SUBJECT, duplicateWindowMs), log);
  await ensureStream(jsm, streamConfig(DEAD_LETTER_STREAM, ALL_DEAD_LETTERS_SUBJECT, duplicateWindowMs), log);
};

export interface DurableSpec {
  readonly name: string;
  readonly filterSubject: string;
  readonly ackWaitMs: number;
}

/**
 * The app's durable consumer. `max_ack_pending: 1` is what makes the high-water mark sound:
 * the server hands out the next message only after the previous one is acked, so a nak'd
 * or crashed-on message is always redelivered before anything later, and an event at or
 * below the mark really was applied. `max_deliver: -1`: the bus, not the server, counts
 * failures and dead-letters (the server would silently drop the message).
 */
export const ensureDurable = async (
  jsm: JetStreamManager,
  spec: DurableSpec,
  log: BusLogger,
): Promise<ConsumerInfo> => {
  const wanted = {
    filter_subject: spec.filterSubject,
    max_ack_pending: 1,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: -1,
  };
  let info: ConsumerInfo;
  try {
    info = await jsm.consumers.info(EVENTS_STREAM, spec.name);
  } catch (e) {
    if (!isApiError(e, JetStreamApiCodes.ConsumerNotFound)) throw e;
    const config: Partial<ConsumerConfig> = {
      durable_name: spec.name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ...wanted,
    };
    return jsm.consumers.add(EVENTS_STREAM, config);
  }
  const c = info.config;
  if (
    (c.filter_subject ?? '') !== wanted.filter_subject ||
    c.max_ack_pending !== wanted.max_ack_pending ||
    c.ack_wait !== wanted.ack_wait ||
    c.max_deliver !== wanted.max_deliver
  ) {
    log.info(
      { consumer: spec.name, had: { filter_subject: c.filter_subject, ack_wait: c.ack_wait } },
      'bus: updating durable consumer',
    );
    return jsm.consumers.update(EVENTS_STREAM, spec.name, wanted);
  }
  return info;
};
