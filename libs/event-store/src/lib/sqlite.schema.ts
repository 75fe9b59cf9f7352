/**
 * The embedded store's on-disk layout and its row codec. One row per event; the global
 * position is the rowid (`INTEGER PRIMARY KEY`), assigned by the writer while it holds
 * SQLite's write lock, so positions follow commit order and a reader at the head never sees
 * a gap fill in later.
 *
 * Each row keeps the whole recorded envelope as one JSON document (`envelope`), exactly
 * the `RecordedEvent` a reader gets back: one column to fetch and one `JSON.parse` per
 * event is measurably the fastest way through better-sqlite3 (every extra text column
 * costs a native string), and replays are the hot path. The columns beside it exist for
 * constraints and filters.
 */
import * as E from 'fp-ts/Either';
import { RecordedEvent, StoredEventFields, ValidationError, validationError } from '@keel/events';
import { RawEventInput } from './raw-append.hook';
import { decodeAt } from './stored-event.decode';

/** Bumped when the layout changes; a store refuses a file written by a newer layout. */
export const SCHEMA_VERSION = 1;

export const DDL = `
CREATE TABLE IF NOT EXISTS events (
  position  INTEGER PRIMARY KEY,
  stream    TEXT    NOT NULL,
  revision  INTEGER NOT NULL,
  category  TEXT    NOT NULL,
  type      TEXT    NOT NULL,
  event_id  TEXT    NOT NULL UNIQUE,
  envelope  TEXT    NOT NULL,
  UNIQUE (stream, revision)
);
CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position);
CREATE INDEX IF NOT EXISTS events_by_type ON events (type, position);
CREATE TABLE IF NOT EXISTS snapshots (
  key      TEXT    PRIMARY KEY,
  position INTEGER NOT NULL,
  version  INTEGER NOT NULL,
  state    TEXT    NOT NULL
);
INSERT OR IGNORE INTO snapshots (key, position, version, state)
  VALUES ('${'$'}store-identity', 0, 1, json_object('id', lower(hex(randomblob(16)))));
`;

/** The snapshot key under which a store keeps its identity (made once, by the first open). */
export const IDENTITY_KEY = '$store-identity';

export const INSERT_EVENT = `INSERT INTO events (position, stream, revision, category, type, event_id, envelope) VALUES (?, ?, ?, ?, ?, ?, ?)`;

/**
 * The envelope minus the fields only known inside the write transaction, serialised
 * before the lock is taken: `"stream":…,"eventId":…,…,"data":{…}}` (no opening brace).
 */
export const envelopeTail = (stream: string, e: RawEventInput): string =>
  JSON.stringify({
    stream,
    eventId: e.eventId,
    type: e.type,
    schemaVersion: e.schemaVersion,
    correlationId: e.correlationId,
    causationId: e.causationId,
    producer: e.producer,
    occurredAt: e.occurredAt,
    data: e.data,
  }).slice(1);

/** Complete an envelope once position, revision and recording time are known. */
export const envelopeOf = (tail: string, position: number, revision: number, recordedAt: string): string =>
  `{"globalPosition":${position},"streamRevision":${revision},"recordedAt":${JSON.stringify(recordedAt)},${tail}`;

/** Parse and decode envelopes (upcast, validate); the first that fails fails the page. */
export const decodeEnvelopes = (
  texts: readonly string[],
): E.Either<ValidationError, readonly RecordedEvent[]> => {
  const out: RecordedEvent[] = new Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    let raw: StoredEventFields;
    try {
      raw = JSON.parse(texts[i]!) as StoredEventFields;
    } catch (e) {
      return E.left(validationError('', texts[i], `stored event is not JSON: ${(e as Error).message}`));
    }
    const d = decodeAt(raw);
    if (E.isLeft(d)) return d;
    out[i] = d.right;
  }
  return E.right(out);
};
