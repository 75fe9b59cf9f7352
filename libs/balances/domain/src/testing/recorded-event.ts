/**
 * A stored event as the store hands it back, built through the contract (`newEvent` validates
 * the payload, so a spec fixture cannot drift from the catalog). Specs only.
 */
import * as E from 'fp-ts/Either';
import { deriveId, EventData, EventType, newEvent, RecordedEvent } from '@keel/events';

export interface RecordedAt {
  /** When it happened (`occurredAt`, `recordedAt`), epoch ms. */
  readonly at: number;
  readonly position: number;
  readonly stream?: string;
  readonly eventId?: string;
  readonly producer?: string;
}

/** Throws when the payload breaks the catalog. */
export const recordedEvent = <T extends EventType>(
  type: T,
  data: EventData<T>,
  env: RecordedAt,
): RecordedEvent => {
  const when = new Date(env.at).toISOString();
  const made = newEvent(type, env.eventId ?? deriveId('fixture', type, env.position), data, {
    correlationId: 'spec',
    causationId: null,
    producer: env.producer ?? 'fixture',
    occurredAt: when,
  });
  if (E.isLeft(made)) throw new Error(`${type} breaks the catalog: ${JSON.stringify(made.left)}`);
  return {
    ...made.right,
    stream: env.stream ?? 'fixture',
    streamRevision: 0,
    globalPosition: env.position,
    recordedAt: when,
  } as RecordedEvent;
};
