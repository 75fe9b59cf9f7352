/**
 * The bus port: how recorded events travel between apps. The NATS JetStream adapter is the
 * real one; the in-memory adapter is for fast unit tests. Both pass `bus.contract.ts`.
 *
 * Delivery is at least once; consumers are made idempotent here, by a high-water mark on
 * the event's global position, read from the position the relay stamps on each message (never
 * from the payload, which any publisher could forge): the relay publishes in store order, and a consumer applies
 * events one at a time in stream order — many may be in flight, but a failing handler is
 * retried in place, never put back behind later events — so an event at or below the mark
 * has already been applied, and one above it has not.
 */
import * as TE from 'fp-ts/TaskEither';
import { InfrastructureError, RecordedEvent } from '@keel/events';

export interface ConsumeOptions {
  /** The app's name; the durable consumer is `durableName(app)`. Replicas share it. */
  readonly app: string;
  /** One JetStream filter subject (2.9 servers take one): default every event, `keel.evt.>`. */
  readonly subject?: string;
  /** Client-side filter by event type: others are acknowledged and skipped. Default: all. */
  readonly eventTypes?: readonly string[];
  /**
   * Idempotency high-water mark: skip events at or below this global position. An app
   * passes the position its replayed state already includes.
   */
  readonly afterPosition?: number;
  /**
   * Handler attempts on one event after which the consumer reports itself stalled (default
   * 5). It goes on retrying in place, backing off, for as long as the handler fails: an
   * event is never skipped because its handler failed. Nothing after it is started meanwhile.
   */
  readonly alarmAfter?: number;
  /**
   * Checks a stamped position before the event is applied, e.g. that it is not past the
   * store's head (the relay publishes only what is stored). False: dead-lettered as untrusted.
   * A rejection is a transient failure, retried like the handler's.
   */
  readonly verifyPosition?: (position: number) => Promise<boolean>;
  /**
   * The identity of the store the app folds (`EventStore.identity`): an event stamped by a
   * relay of another store is dead-lettered as untrusted. Events without the stamp pass.
   */
  readonly storeIdentity?: string;
  /**
   * Told of each message this consumer dead-letters (apps count them in `dead_letters_total`):
   * `undecodable` (not an event of the contract, and not stamped by the relay) or `untrusted`
   * (an event without a valid position stamp from the relay), with the event when it decoded.
   */
  readonly onDeadLetter?: (reason: DeadLetterReason, event: RecordedEvent | null) => void;
  /** Told of each change of the consumer's health (apps alarm and turn /readyz false). */
  readonly onHealth?: (health: ConsumerHealth) => void;
  /**
   * Given when every position reaches this consumer (a store whose positions are dense, and
   * the whole events subject): an event past `mark + 1` means the ones between were not
   * delivered (lost, or overtaken). The consumer calls this to apply the events after `after`
   * and before `before` from the store first, then handles the event; a rejection is retried
   * like a handler's. Without it, a gap cannot be seen.
   */
  readonly fillGap?: (after: number, before: number) => Promise<void>;
}

/** Why a consumer dead-lettered a message (the `reason` label of `dead_letters_total`). */
export type DeadLetterReason = 'undecodable' | 'untrusted';

/**
 * Whether a consumer's events flow. `stalled`: one event's handler has failed `alarmAfter`
 * times and is still being retried. `halted`: a poison event (one that cannot be applied
 * however often it is tried) stopped the consumer; nothing after it is applied until a
 * restart, after a fix, tries it again.
 */
export type ConsumerHealth =
  | { readonly state: 'flowing' }
  | {
      readonly state: 'stalled';
      readonly eventId: string;
      readonly position: number;
      readonly attempts: number;
      readonly reason: string;
    }
  | {
      readonly state: 'halted';
      readonly eventId: string | null;
      readonly position: number;
      readonly reason: string;
    };

/**
 * A handler's rejection meaning "this event can never be applied" (the fold throws on it, a
 * write it calls for is invalid): retrying cannot help, so the consumer halts and alarms
 * instead of retrying. Any other rejection is taken as transient and retried.
 */
export class PoisonEventError extends Error {
  readonly keelPoison = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoisonEventError';
  }
}

/** A PoisonEventError, also across module copies (checked by its brand, not its class). */
export const isPoison = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { keelPoison?: unknown }).keelPoison === true;

export interface ConsumerStats {
  /** Deliveries: messages received, redeliveries and in-place handler retries included. */
  readonly received: number;
  /** Events handed to the handler and completed. */
  readonly applied: number;
  /** Events skipped as already applied (at or below the high-water mark). */
  readonly duplicates: number;
  readonly deadLettered: number;
  /** Gaps in the positions delivered that were filled from the store (`fillGap`). */
  readonly gapsFilled: number;
}

export interface Consumer {
  /** The global position of the last event applied (the high-water mark). */
  position(): number;
  stats(): ConsumerStats;
  health(): ConsumerHealth;
  /**
   * Stop consuming; resolves once no handler is running. A running handler attempt finishes
   * (and is acked if it succeeded); in-place retries are abandoned; messages delivered but
   * not started are given back. All of these are above `position()` and come again, in
   * order, to the next consumer of the app.
   */
  stop(): Promise<void>;
}

export interface DeadLetter {
  readonly consumer: string;
  readonly originalSubject: string;
  readonly reason: string;
  /** The raw payload as text. */
  readonly payload: string;
}

/**
 * What a handler may return: nothing (done) or a rejection: a PoisonEventError halts the
 * consumer; anything else is retried in place until it succeeds.
 */
export type Handler = (event: RecordedEvent) => Promise<void> | void;

/** A core-NATS message of request/reply: bytes and headers (names lower-cased on receipt). */
export interface BusMessage {
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Answers one request. A rejection leaves it unanswered: over NATS the requester times out; in
 * process (memory bus, simulation) the request fails at once with the error.
 */
export type Responder = (request: BusMessage) => Promise<BusMessage>;

export interface Service {
  /** Stop taking requests; resolves once every request taken has been answered. */
  stop(): Promise<void>;
}

export interface EventBus {
  /**
   * Publish recorded events in order, each with `Nats-Msg-Id` = event id (the server drops
   * a duplicate within its window), its global position in a header, and `store` (the
   * identity of the store they come from) in another. Resolves once the server has
   * acknowledged every one.
   */
  publish(events: readonly RecordedEvent[], store?: string): TE.TaskEither<InfrastructureError, void>;
  /**
   * Publish bytes unchecked on any subject, with optional headers. For tools and tests (e.g.
   * proving that garbage and forged events are dead-lettered); apps publish only through `publish`.
   */
  publishRaw(
    subject: string,
    payload: Uint8Array,
    headers?: Readonly<Record<string, string>>,
  ): TE.TaskEither<InfrastructureError, void>;
  /** Start a durable consumer; events are handled one at a time, in order. */
  consume(options: ConsumeOptions, handler: Handler): TE.TaskEither<InfrastructureError, Consumer>;
  /**
   * The highest global position published so far (0 if none): the relay's checkpoint. Null
   * when NATS held events that its limits have since removed (`max_age`): the position is not
   * known here any more.
   */
  lastPublishedPosition(): TE.TaskEither<InfrastructureError, number | null>;
  /** The store identity stamped on the newest published event (null: none, or not stamped). */
  lastPublishedStore(): TE.TaskEither<InfrastructureError, string | null>;
  /** Dead letters of one consumer, oldest first (for operators and tests). */
  deadLetters(app: string): TE.TaskEither<InfrastructureError, readonly DeadLetter[]>;
  /**
   * Answer requests on a subject (core request/reply: nothing is stored in JetStream; an intake
   * stores what it accepts itself). Replicas sharing `queue` split the requests; requests are
   * answered concurrently.
   */
  serve(subject: string, queue: string, responder: Responder): TE.TaskEither<InfrastructureError, Service>;
  /** Send a request and wait up to `timeoutMs` for its reply (producers, tools, tests). */
  request(
    subject: string,
    message: BusMessage,
    timeoutMs: number,
  ): TE.TaskEither<InfrastructureError, BusMessage>;
  /** A round trip to the server; used by /readyz. */
  ping(): TE.TaskEither<InfrastructureError, void>;
  /**
   * Leases: one owner per key at a time (a gateway per venue account), kept in a NATS
   * key-value bucket (lease.ts). Optional: a bus without it runs one owner by construction.
   */
  leases?(options: LeaseOptions): TE.TaskEither<InfrastructureError, Leases>;
  close(): Promise<void>;
}

export interface LeaseOptions {
  /** The key-value bucket (`keel-leases`). */
  readonly bucket: string;
  /** A lease not renewed for this long is free for another owner to take. */
  readonly ttlMs: number;
  /** Who this process is (host, pid and a random part): what another owner is told. */
  readonly owner: string;
}

export type LeaseClaim = { readonly held: true } | { readonly held: false; readonly owner: string };

export interface Leases {
  readonly owner: string;
  /** The ttl the store expires leases by (a NATS bucket made earlier keeps the ttl it was made with). */
  readonly ttlMs: number;
  /** Take `key` if it is free, renew it if it is ours; another owner's lease is reported, never taken. */
  claim(key: string): TE.TaskEither<InfrastructureError, LeaseClaim>;
  /**
   * Whether this process may act for `key` now: its last successful claim started less than
   * two thirds of the ttl ago (on a monotonic clock). The server frees the key no sooner than
   * a ttl after that claim, so a third of it is left for what was started in between.
   */
  holds(key: string): boolean;
  /** Give `key` up (a clean stop), so a standby takes it without waiting out the ttl. */
  release(key: string): TE.TaskEither<InfrastructureError, void>;
}
