/**
 * The rules every adapter applies to an append, in one place so memory, SQLite and
 * EventStoreDB agree: what a valid append is (checked before anything is written), how an
 * expected revision is judged, and when re-appending known event ids is a harmless retry
 * rather than a reuse of an id for a different event.
 */
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import * as E from 'fp-ts/Either';
import {
  ConcurrencyError,
  EVENT_DEFINITIONS,
  Id,
  isEventType,
  NewEvent,
  Timestamp,
  validateData,
  ValidationError,
  validationError,
} from '@keel/events';
import { AppendResult, ExpectedRevision } from './port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// No whitespace (names are never escaped) and no leading `$` (EventStoreDB system streams).
const STREAM = /^[^\s$]\S{0,255}$/;

const metaCheck = TypeCompiler.Compile(
  Type.Object({
    correlationId: Id(),
    causationId: Type.Union([Id(), Type.Null()]),
    producer: Id(64),
    occurredAt: Timestamp(),
  }),
);

/**
 * The longest string any event field may hold. Free text (venue messages, reasons) is cut by
 * its writer well below this, with a marker; anything longer is a bug or an attack, and a
 * log that grows without bound.
 */
export const MAX_STRING_CHARS = 4096;
/**
 * The largest event data, measured as its JSON length (characters, keys and quotes included).
 * Half of NATS's default 1 MB payload limit, so a stored event can always be published (its
 * envelope and headers are small; non-ASCII text takes up to 3 bytes a character on the wire,
 * which the other half covers for any realistic mix).
 */
export const MAX_EVENT_DATA_CHARS = 512 * 1024;

/**
 * The first string in `value` longer than MAX_STRING_CHARS (with its path), or the JSON
 * length of `value` when it is over MAX_EVENT_DATA_CHARS. One walk, no serialisation.
 */
const sizeProblem = (value: unknown): ValidationError | undefined => {
  let size = 0;
  let problem: ValidationError | undefined;
  const walk = (v: unknown, path: string): void => {
    if (problem) return;
    if (typeof v === 'string') {
      if (v.length > MAX_STRING_CHARS)
        problem = validationError(
          path,
          `${v.slice(0, 64)}… (${v.length} characters)`,
          `is longer than ${MAX_STRING_CHARS} characters`,
        );
      size += v.length + 2;
    } else if (Array.isArray(v)) {
      size += 2;
      v.forEach((x, i) => walk(x, `${path}/${i}`));
    } else if (v !== null && typeof v === 'object') {
      size += 2;
      for (const [k, x] of Object.entries(v)) {
        size += k.length + 4;
        walk(x, `${path}/${k}`);
      }
    } else size += 24;
  };
  walk(value, '/data');
  if (problem) return problem;
  return size > MAX_EVENT_DATA_CHARS
    ? validationError(
        '/data',
        `(${size} characters of JSON)`,
        `is larger than ${MAX_EVENT_DATA_CHARS} characters`,
      )
    : undefined;
};

/** The revision the stream is at: -1 when it has no events. */
export type CurrentRevision = number;

/** The envelope fields that make two events "the same event" (everything the writer chose). */
export interface EventContent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly producer: string;
  readonly occurredAt: string;
}

const label = (i: number, e: { type: unknown; eventId: unknown }): string =>
  `event ${i} (${String(e.type)} ${String(e.eventId)})`;

/**
 * Check an append before it touches storage. Paths are relative to the offending event
 * (`/data/qty`, `/eventId`); the message says which event of the append it was.
 */
export const validateAppend = (
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): E.Either<ValidationError, void> => {
  if (typeof stream !== 'string' || !STREAM.test(stream))
    return E.left(
      validationError('/stream', stream, 'must be 1-256 characters without whitespace, not starting with $'),
    );
  if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0))
    return E.left(
      validationError('/expected', expected, "must be 'any', 'noStream', 'exists' or a revision >= 0"),
    );
  if (!Array.isArray(events) || events.length === 0)
    return E.left(validationError('/events', events, 'must contain at least one event'));
  const seen = new Set<string>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const where = label(i, e);
    if (typeof e.eventId !== 'string' || !UUID.test(e.eventId))
      return E.left(validationError('/eventId', e.eventId, `${where}: must be a lower-case UUID`));
    if (seen.has(e.eventId))
      return E.left(validationError('/eventId', e.eventId, `${where}: appears twice in one append`));
    seen.add(e.eventId);
    // Checked as a plain string: callers outside TypeScript can send anything.
    const type: string = e.type;
    if (!isEventType(type))
      return E.left(validationError('/type', type, `${where}: is not a known event type`));
    const version = EVENT_DEFINITIONS[type].version;
    if (e.schemaVersion !== version)
      return E.left(
        validationError(
          '/schemaVersion',
          e.schemaVersion,
          `${where}: new events must be at the current version ${version}`,
        ),
      );
    const envelope: unknown = e;
    if (!metaCheck.Check(envelope)) {
      const err = metaCheck.Errors(envelope).First();
      return E.left(
        validationError(
          err?.path ?? '',
          err?.value,
          `${where}: ${err?.message ?? 'has an invalid envelope'}`,
        ),
      );
    }
    const data = validateData(type, e.data);
    if (E.isLeft(data)) return E.left({ ...data.left, message: `${where}: ${data.left.message}` });
    const tooBig = sizeProblem(e.data);
    if (tooBig) return E.left({ ...tooBig, message: `${where}: ${tooBig.message}` });
  }
  return E.right(undefined);
};

export const describeExpected = (expected: ExpectedRevision): string =>
  typeof expected === 'number' ? String(expected) : expected;
export const describeCurrent = (current: CurrentRevision): string =>
  current < 0 ? 'noStream' : String(current);

export const concurrencyError = (
  stream: string,
  expected: ExpectedRevision,
  current: CurrentRevision,
): ConcurrencyError => ({
  _tag: 'ConcurrencyError',
  stream,
  expected: describeExpected(expected),
  actual: describeCurrent(current),
});

/** Does the stream's current revision satisfy what the writer expected? */
export const expectationHolds = (expected: ExpectedRevision, current: CurrentRevision): boolean => {
  switch (expected) {
    case 'any':
      return true;
    case 'noStream':
      return current < 0;
    case 'exists':
      return current >= 0;
    default:
      return current === expected;
  }
};

/** JSON with object keys sorted, so equal content compares equal whatever the key order. */
export const stableJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`).join(',')}}`;
};

export const fingerprint = (e: EventContent): string =>
  stableJson([e.type, e.schemaVersion, e.data, e.correlationId, e.causationId, e.producer, e.occurredAt]);

/** What an adapter knows about an already stored event with a given id. */
export interface ExistingEvent {
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  /** Computed only when needed: comparing content may mean parsing stored JSON. */
  readonly fingerprint: () => string;
}

/**
 * Decide what an append whose ids may already be stored means:
 * - right(null): none of its ids is stored, it is a new append;
 * - right(result): every event is already stored, in this stream, at consecutive revisions,
 *   with the same content: a retry of an append that succeeded; nothing more to write;
 * - left: an id is reused for a different event (other content or other stream), or the
 *   append mixes stored and new events. Rejected: the writer has a bug.
 */
export const resolveRetry = (
  stream: string,
  events: readonly NewEvent[],
  lookup: (eventId: string) => ExistingEvent | undefined,
): E.Either<ValidationError, AppendResult | null> => {
  const first = lookup(events[0]!.eventId);
  if (first === undefined) {
    for (let i = 1; i < events.length; i++) {
      if (lookup(events[i]!.eventId) !== undefined)
        return E.left(
          validationError(
            '/eventId',
            events[i]!.eventId,
            `${label(i, events[i]!)}: is already stored; an append must be all new events or an exact retry`,
          ),
        );
    }
    return E.right(null);
  }
  let last = first;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const found = i === 0 ? first : lookup(e.eventId);
    const where = label(i, e);
    if (found === undefined)
      return E.left(
        validationError(
          '/eventId',
          e.eventId,
          `${where}: is new but earlier events of the append are already stored; an append must be all new events or an exact retry`,
        ),
      );
    if (found.stream !== stream)
      return E.left(
        validationError(
          '/eventId',
          e.eventId,
          `${where}: this id is already used by an event in stream ${found.stream}`,
        ),
      );
    if (found.revision !== first.revision + i)
      return E.left(
        validationError(
          '/eventId',
          e.eventId,
          `${where}: is stored at revision ${found.revision}, not as part of one earlier append`,
        ),
      );
    if (found.fingerprint() !== fingerprint(e))
      return E.left(
        validationError(
          '/eventId',
          e.eventId,
          `${where}: this id is already used by an event with different content`,
        ),
      );
    last = found;
  }
  return E.right({ nextExpectedRevision: last.revision, position: last.position });
};
