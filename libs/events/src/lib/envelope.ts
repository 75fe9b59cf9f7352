/**
 * The envelope every Keel event travels in, in the store and on NATS. `NewEvent` is what a
 * writer hands to the store; `RecordedEvent` is what the store (and the bus) hands back,
 * with its stream revision, global position and recording time.
 */
import { EventData, EventType } from './catalog';

export interface EventMeta {
  /** The id of the request or flow this event belongs to (carried into logs). */
  readonly correlationId: string;
  /** The id of the event (or request) that caused this one; null for external input. */
  readonly causationId: string | null;
  /** The app (or tool) that wrote it. */
  readonly producer: string;
  /** When it happened, by the writer's injected clock (ISO-8601 UTC). */
  readonly occurredAt: string;
}

interface NewEventOf<T extends EventType> extends EventMeta {
  /** A UUID; derive it from the cause (see `deriveId`) so a retried write is the same event. */
  readonly eventId: string;
  readonly type: T;
  /** Always the current version of the type when written. */
  readonly schemaVersion: number;
  readonly data: EventData<T>;
}

interface RecordedEventOf<T extends EventType> extends NewEventOf<T> {
  readonly stream: string;
  /** 0-based position of the event within its stream. */
  readonly streamRevision: number;
  /** Position in the store's global order: strictly increasing, not necessarily contiguous. */
  readonly globalPosition: number;
  /** When the store recorded it (ISO-8601 UTC). */
  readonly recordedAt: string;
}

/** A new event of any type; narrow it with `event.type`. */
export type NewEvent<T extends EventType = EventType> = { [K in T]: NewEventOf<K> }[T];
/** A stored event of any type; narrow it with `event.type`. */
export type RecordedEvent<T extends EventType = EventType> = { [K in T]: RecordedEventOf<K> }[T];
