/**
 * Fast fixture loading of an embedded store for benchmarks and replay tests: writes events
 * into a NEW store file exactly as the store lays them out (same table, envelope text,
 * positions, revisions), in large transactions with `synchronous = OFF`, with no validation
 * and no concurrency checks. The caller guarantees a valid log. Never used on a live store:
 * it refuses a file that already exists.
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { streamCategory } from '@keel/events';
import { RawEventInput } from './raw-append.hook';
import { DDL, envelopeOf, envelopeTail, INSERT_EVENT, SCHEMA_VERSION } from './sqlite.schema';

export interface BulkEvent {
  readonly stream: string;
  readonly event: RawEventInput;
  /** Recording time (ISO-8601 UTC); default: the event's `occurredAt`. */
  readonly recordedAt?: string;
}

/** Write the events to a new store file at `path`; returns how many were written. */
export const bulkLoadSqlite = (
  path: string,
  events: Iterable<BulkEvent>,
  transactionSize = 50_000,
): number => {
  if (fs.existsSync(path)) throw new Error(`bulk load writes new stores only: ${path} exists`);
  fs.mkdirSync(nodePath.dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.exec(DDL);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const insert = db.prepare(INSERT_EVENT);
    const revisions = new Map<string, number>();
    let position = 0;
    let batch: BulkEvent[] = [];
    const write = db.transaction((b: readonly BulkEvent[]) => {
      for (const { stream, event, recordedAt } of b) {
        const revision = (revisions.get(stream) ?? -1) + 1;
        revisions.set(stream, revision);
        position++;
        insert.run(
          position,
          stream,
          revision,
          streamCategory(stream),
          event.type,
          event.eventId,
          envelopeOf(envelopeTail(stream, event), position, revision, recordedAt ?? event.occurredAt),
        );
      }
    });
    for (const e of events) {
      batch.push(e);
      if (batch.length >= transactionSize) {
        write(batch);
        batch = [];
      }
    }
    if (batch.length > 0) write(batch);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return position;
  } finally {
    db.close();
  }
};
