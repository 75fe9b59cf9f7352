/**
 * A test-only door past validation: write events exactly as given, e.g. a payload at an
 * old schema version (to prove upcasting on read) or one that no longer decodes (to prove
 * reads name the bad event). Production code never calls it; the contract suite does.
 */
import * as TE from 'fp-ts/TaskEither';
import { EventMeta } from '@keel/events';
import { AppendError, AppendResult, EventStore } from './port';

/** An event as it would be stored, with any type, version and payload. */
export interface RawEventInput extends EventMeta {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

export interface RawAppendHook {
  /** Append without validation or expected-revision check (test only). */
  appendRawUnchecked(
    stream: string,
    events: readonly RawEventInput[],
  ): TE.TaskEither<AppendError, AppendResult>;
}

export type TestableEventStore = EventStore & RawAppendHook;
