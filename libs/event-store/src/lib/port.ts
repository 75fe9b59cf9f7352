/**
 * The event store port: the source of truth of Keel. Every adapter (in-memory, embedded
 * SQLite, EventStoreDB) passes the same contract suite (`event-store.contract.ts`).
 *
 * Positions: `streamRevision` is 0-based within a stream; `globalPosition` is strictly
 * increasing across the store but need not be contiguous (EventStoreDB's are log offsets).
 * Reads "from" a global position are exclusive: `after: 0` (or `'start'`) means everything.
 */
import * as TE from 'fp-ts/TaskEither';
import {
  ConcurrencyError,
  InfrastructureError,
  NewEvent,
  RecordedEvent,
  ValidationError,
} from '@keel/events';

/**
 * What the writer believes about the stream before appending:
 * `'any'` no check; `'noStream'` the stream must not exist; `'exists'` it must;
 * a number: the revision of the stream's last event must be exactly that.
 */
export type ExpectedRevision = 'any' | 'noStream' | 'exists' | number;

export interface AppendResult {
  /** The revision of the stream's last event after the append (pass it as the next expected). */
  readonly nextExpectedRevision: number;
  /** Global position of the last appended event. */
  readonly position: number;
}

/**
 * A write failure.
 * - ConcurrencyError: the expected revision did not hold; re-read, re-decide, retry.
 * - ValidationError: an event broke its schema, or an event id was reused for a different
 *   event; nothing was written.
 * - InfrastructureError: the store is unreachable or failed; the write's outcome is unknown
 *   (re-appending the same event ids is safe: it is idempotent).
 */
export type AppendError = ConcurrencyError | ValidationError | InfrastructureError;

/** A read failure. ValidationError: a stored event no longer decodes (names its position). */
export type ReadError = ValidationError | InfrastructureError;

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; default: the first event (forwards) or the last (backwards). */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface AllFilter {
  /** Only streams of these categories (the part of the stream name before the first `-`). */
  readonly streamCategories?: readonly string[];
  /** Only events of these types. */
  readonly eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: return events with a global position greater than this (0 = from the start). */
  readonly after?: number;
  readonly maxCount?: number;
  readonly filter?: AllFilter;
}

export interface ReadAllPage {
  readonly events: readonly RecordedEvent[];
  /** Pass as `after` to read on; equals the last scanned position (filtered events count). */
  readonly lastPosition: number;
  /** True when the page reached the head of the log as it was when read. */
  readonly isEnd: boolean;
}

export interface SubscribeAllOptions {
  /** Exclusive start position (0 = from the start). */
  readonly after: number;
  readonly filter?: AllFilter;
}

/**
 * A running subscription. Events arrive in global order, each once, catch-up then live;
 * the handler is awaited before the next event is delivered (back-pressure).
 */
export interface Subscription {
  /** Stop delivering; resolves when the handler is no longer running. */
  stop(): Promise<void>;
  /** Settles when the subscription ends: resolves after `stop()`, rejects on a fatal error. */
  readonly done: Promise<void>;
}

export interface Snapshot {
  /** The stream revision or global position the state includes. */
  readonly position: number;
  /** The state's own schema version: a snapshot of another version is ignored (replay instead). */
  readonly version: number;
  readonly state: unknown;
}

export interface EventStore {
  /**
   * Global positions are 1, 2, 3, … with none skipped (SQLite, memory), so a consumer of every
   * event can tell a missing one; false where positions are offsets (KurrentDB).
   */
  readonly densePositions: boolean;
  /** Atomically append events to one stream. Re-appending the same event ids is a no-op success. */
  append(
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): TE.TaskEither<AppendError, AppendResult>;
  /** Read one stream; an absent stream reads as empty. */
  readStream(stream: string, options?: ReadStreamOptions): TE.TaskEither<ReadError, readonly RecordedEvent[]>;
  /** Read a page of the global log in order. */
  readAll(options?: ReadAllOptions): TE.TaskEither<ReadError, ReadAllPage>;
  /** The global position of the last event in the store (0 when empty). */
  headPosition(): TE.TaskEither<InfrastructureError, number>;
  /**
   * This store's identity: an id made once, when the store was created, and the same for every
   * process that opens it. The relay stamps it on what it publishes, so a relay pointed at a
   * NATS stream that mirrors another store notices, instead of resuming from that store's
   * positions.
   */
  identity(): TE.TaskEither<InfrastructureError, string>;
  /** Catch-up then live subscription to the global log. */
  subscribeAll(
    options: SubscribeAllOptions,
    handler: (event: RecordedEvent) => Promise<void> | void,
  ): Subscription;
  /** Save a snapshot under a key (a stream name, or an app key such as `app:optimizer`). Last write wins. */
  saveSnapshot(key: string, snapshot: Snapshot): TE.TaskEither<InfrastructureError, void>;
  /** The latest snapshot under a key, or null. */
  loadSnapshot(key: string): TE.TaskEither<InfrastructureError, Snapshot | null>;
  /** A cheap round trip; used by /readyz. */
  ping(): TE.TaskEither<InfrastructureError, void>;
  close(): Promise<void>;
}
