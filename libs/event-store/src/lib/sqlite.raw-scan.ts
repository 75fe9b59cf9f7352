/**
 * The lean read path of the embedded store, for replays that must run at millions of events
 * per second: pages of `[position, type, envelope]` rows straight from the driver (`.raw()`,
 * three columns, the type filter in SQL), with no JSON parsing and no decoding. The caller
 * parses only what it needs and must decode (or validate) it itself; `decodeRawEnvelope`
 * is the full decoder for the rows it cannot take a short cut on.
 *
 * Read-only: it opens its own connection with `readonly`, so it can run beside live writers
 * (WAL readers see a consistent snapshot per statement) and never changes the file.
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import {
  InfrastructureError,
  infrastructureError,
  RecordedEvent,
  StoredEventFields,
  storedTypeNames,
  ValidationError,
  validationError,
} from '@keel/events';
import { SCHEMA_VERSION } from './sqlite.schema';
import { decodeAt } from './stored-event.decode';

/** One stored row: global position, event type, the recorded envelope as stored (JSON text). */
export type RawLogRow = [position: number, type: string, envelope: string];

export interface RawLogScanner {
  /** The last global position in the file (0 when empty). */
  head(): number;
  /** How many events lie in (after, upTo], all types. */
  count(after: number, upTo: number): number;
  /**
   * Rows with after < position ≤ upTo of the given types (all types when empty; a renamed type
   * also under its former names, the row keeping the name it was stored as), in order, at most `max`.
   */
  page(after: number, upTo: number, types: readonly string[], max: number): RawLogRow[];
  /** The last event at or before a position (its position, id and recorded envelope); null when there is none. */
  lastAtOrBefore(
    position: number,
  ): { readonly position: number; readonly eventId: string; readonly envelope: string } | null;
  close(): void;
}

const COMPONENT = 'sqlite-raw-scan';

export const openRawLogScanner = (path: string): E.Either<InfrastructureError, RawLogScanner> => {
  if (!fs.existsSync(path)) return E.left(infrastructureError(COMPONENT, 'open', `no store file at ${path}`));
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const conn = db;
    const version = conn.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION)
      throw new Error(`${path} has layout v${version}; this build knows v${SCHEMA_VERSION}`);
    const hasEvents = conn
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'")
      .pluck()
      .get();
    if (hasEvents === undefined) throw new Error(`${path} is not a Keel event store (no events table)`);
    const head = conn.prepare('SELECT max(position) FROM events').pluck();
    const count = conn.prepare('SELECT count(*) FROM events WHERE position > ? AND position <= ?').pluck();
    const lastAt = conn.prepare(
      'SELECT position, event_id AS eventId, envelope FROM events WHERE position <= ? ORDER BY position DESC LIMIT 1',
    );
    const statements = new Map<number, Database.Statement>();
    const pageStatement = (types: number): Database.Statement => {
      let st = statements.get(types);
      if (st === undefined) {
        const filter =
          types > 0 ? ` AND +type IN (${Array.from({ length: types }, () => '?').join(', ')})` : '';
        st = conn
          .prepare(
            `SELECT position, type, envelope FROM events WHERE position > ? AND position <= ?${filter} ORDER BY position LIMIT ?`,
          )
          .raw();
        statements.set(types, st);
      }
      return st;
    };
    return E.right({
      head: () => (head.get() as number | null) ?? 0,
      count: (after, upTo) => count.get(after, upTo) as number,
      page: (after, upTo, types, max) => {
        // A renamed type is also asked for under the names it was stored as before.
        const names = storedTypeNames(types);
        return pageStatement(names.length).all(after, upTo, ...names, max) as RawLogRow[];
      },
      lastAtOrBefore: (position) =>
        (lastAt.get(position) as { position: number; eventId: string; envelope: string } | undefined) ?? null,
      close: () => conn.close(),
    });
  } catch (e) {
    if (db?.open) db.close();
    return E.left(infrastructureError(COMPONENT, 'open', e));
  }
};

/** Fully decode one raw row (parse, upcast, validate); the error names its position and type. */
export const decodeRawEnvelope = (row: RawLogRow): E.Either<ValidationError, RecordedEvent> => {
  let raw: StoredEventFields;
  try {
    raw = JSON.parse(row[2]) as StoredEventFields;
  } catch (e) {
    return E.left(
      validationError(
        '',
        row[2].length > 200 ? `${row[2].slice(0, 200)}…` : row[2],
        `stored event at position ${row[0]} (${row[1]}) is not JSON: ${(e as Error).message}`,
      ),
    );
  }
  return decodeAt(raw);
};
