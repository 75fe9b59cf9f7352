/**
 * Where a replay reads the log from, named by the same store URIs as everywhere else. The
 * embedded store gets the lean path (raw rows, the type filter in SQL, see
 * `openRawLogScanner`); any other store is read through the port, fully decoded.
 */
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import {
  describeError,
  InfrastructureError,
  RecordedEvent,
  ValidationError,
  validationError,
} from '@keel/events';
import {
  decodeRawEnvelope,
  EventStore,
  openEventStore,
  openRawLogScanner,
  parseEventStoreUri,
  RawLogRow,
  RawLogScanner,
} from '@keel/event-store';

export interface LogSource {
  readonly uri: string;
  /** The raw scanner of an embedded store; null for other stores. */
  readonly raw: RawLogScanner | null;
  /** The embedded store's file; null for other stores. */
  readonly path: string | null;
  head(): Promise<number>;
  /** Events of every type in (after, upTo]; null when the store cannot say cheaply. */
  count(after: number, upTo: number): Promise<number | null>;
  /** The store port (snapshots, the decoded read path). Opened on first use. */
  store(): Promise<EventStore>;
  close(): Promise<void>;
}

export type SourceError = ValidationError | InfrastructureError;

/** Open a log source; an unknown URI or a missing file is a ValidationError naming `--store`. */
export const openLogSource = async (uri: string): Promise<E.Either<SourceError, LogSource>> => {
  const where = parseEventStoreUri(uri);
  if (E.isLeft(where)) return E.left({ ...where.left, path: '--store' });
  let raw: RawLogScanner | null = null;
  if (where.right.kind === 'sqlite') {
    if (!fs.existsSync(where.right.path))
      return E.left(
        validationError('--store', uri, `names no store file (${where.right.path} does not exist)`),
      );
    const opened = openRawLogScanner(where.right.path);
    if (E.isLeft(opened))
      return E.left(
        validationError('--store', uri, `cannot be read as an event store: ${describeError(opened.left)}`),
      );
    raw = opened.right;
  }
  let port: EventStore | null = null;
  const store = async (): Promise<EventStore> => {
    if (port) return port;
    const r = await openEventStore(uri)();
    if (E.isLeft(r)) throw new Error(`--store ${JSON.stringify(uri)}: ${describeError(r.left)}`);
    port = r.right;
    return port;
  };
  const scanner = raw;
  return E.right({
    uri,
    raw: scanner,
    path: where.right.kind === 'sqlite' ? where.right.path : null,
    head: async () => {
      if (scanner) return scanner.head();
      const h = await (await store()).headPosition()();
      if (E.isLeft(h)) throw new Error(describeError(h.left));
      return h.right;
    },
    count: async (after, upTo) => (scanner ? scanner.count(after, upTo) : null),
    store,
    close: async () => {
      scanner?.close();
      await port?.close();
    },
  });
};

/** Pages of raw rows of the given types in (after, upTo] (embedded store only). */
export function* rawPages(
  scanner: RawLogScanner,
  types: readonly string[],
  after: number,
  upTo: number,
  pageSize = 1024,
): Generator<RawLogRow[]> {
  let from = after;
  for (;;) {
    const rows = scanner.page(from, upTo, types, pageSize);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < pageSize) return;
    from = rows[rows.length - 1]![0];
  }
}

/** Pages of decoded events through the port; an undecodable event fails with its position named. */
export async function* decodedPages(
  store: EventStore,
  types: readonly string[],
  after: number,
  upTo: number,
  pageSize = 4096,
): AsyncGenerator<readonly RecordedEvent[]> {
  let from = after;
  for (;;) {
    const page = await store.readAll({ after: from, maxCount: pageSize, filter: { eventTypes: types } })();
    if (E.isLeft(page)) throw new Error(describeError(page.left));
    const events = page.right.events.filter((e) => e.globalPosition <= upTo);
    if (events.length > 0) yield events;
    from = page.right.lastPosition;
    if (page.right.isEnd || from >= upTo) return;
  }
}

export const taskToPromise = async <A>(t: TE.TaskEither<unknown, A>): Promise<A> => {
  const r = await t();
  if (E.isLeft(r))
    throw new Error(
      typeof r.left === 'object' && r.left !== null && '_tag' in r.left
        ? describeError(r.left as ValidationError)
        : String(r.left),
    );
  return r.right;
};

/** Decoded events of the given types in (after, upTo], from whichever path the source has. */
export async function* eventPages(
  source: LogSource,
  types: readonly string[],
  after: number,
  upTo: number,
): AsyncGenerator<readonly RecordedEvent[]> {
  if (source.raw) {
    for (const rows of rawPages(source.raw, types, after, upTo, 4096)) {
      const out: RecordedEvent[] = [];
      for (const row of rows) {
        const d = decodeRawEnvelope(row);
        if (E.isLeft(d))
          throw new Error(
            `the replay stopped at position ${row[0]} (${row[1]}): the event no longer decodes: ${describeError(d.left)}`,
          );
        out.push(d.right);
      }
      yield out;
    }
    return;
  }
  yield* decodedPages(await source.store(), types, after, upTo);
}
