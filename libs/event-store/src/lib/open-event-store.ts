/**
 * One door to every store: apps and tools name their store by URI in config and get the
 * port, never an adapter. `memory:` for tests, `sqlite:<path>` (or a bare path) for the
 * embedded default, `esdb://` / `kurrentdb://` (and their `+discover` forms) for
 * production.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { InfrastructureError, ValidationError, validationError } from '@keel/events';
import { KurrentDbEventStoreOptions, openKurrentDbEventStore } from './kurrentdb.store';
import { createMemoryEventStore, MemoryEventStoreOptions } from './memory.store';
import { EventStore } from './port';
import { openSqliteEventStore, SqliteEventStoreOptions } from './sqlite.store';

export interface OpenEventStoreOptions {
  /** The recording clock (epoch ms) of the memory and SQLite stores; KurrentDB records server time. */
  readonly now?: () => number;
  readonly memory?: Omit<MemoryEventStoreOptions, 'now'>;
  readonly sqlite?: Omit<SqliteEventStoreOptions, 'path' | 'now'>;
  readonly kurrentdb?: Omit<KurrentDbEventStoreOptions, 'connectionString'>;
}

export type EventStoreLocation =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'kurrentdb'; readonly connectionString: string };

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const KURRENT_SCHEMES = new Set([
  'esdb',
  'esdb+discover',
  'kurrentdb',
  'kurrentdb+discover',
  'kurrent',
  'kurrent+discover',
  'kdb',
  'kdb+discover',
]);
const KNOWN =
  'memory:, sqlite:<path>, a file path, esdb://, esdb+discover://, kurrentdb:// or kurrentdb+discover://';

/** Which store a URI names (pure; no I/O). */
export const parseEventStoreUri = (uri: string): E.Either<ValidationError, EventStoreLocation> => {
  const trimmed = typeof uri === 'string' ? uri.trim() : '';
  if (trimmed === '') return E.left(validationError('/uri', uri, `is empty; use ${KNOWN}`));
  const scheme = SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) return E.right({ kind: 'sqlite', path: trimmed });
  if (scheme === 'memory') return E.right({ kind: 'memory' });
  if (scheme === 'sqlite') {
    // `sqlite:data/keel.db`, `sqlite:/abs/keel.db` and `sqlite:///abs/keel.db` all work.
    const path = trimmed.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return path === ''
      ? E.left(validationError('/uri', uri, 'names no file: use sqlite:<path>'))
      : E.right({ kind: 'sqlite', path });
  }
  if (KURRENT_SCHEMES.has(scheme)) return E.right({ kind: 'kurrentdb', connectionString: trimmed });
  return E.left(validationError('/uri', uri, `has an unknown event store scheme "${scheme}:"; use ${KNOWN}`));
};

/** Open the store a URI names. */
export const openEventStore = (
  uri: string,
  opts: OpenEventStoreOptions = {},
): TE.TaskEither<ValidationError | InfrastructureError, EventStore> =>
  TE.fromEither(
    E.chainW((where: EventStoreLocation): E.Either<ValidationError | InfrastructureError, EventStore> => {
      switch (where.kind) {
        case 'memory':
          return E.right(createMemoryEventStore({ ...opts.memory, ...(opts.now ? { now: opts.now } : {}) }));
        case 'sqlite':
          return openSqliteEventStore({
            ...opts.sqlite,
            path: where.path,
            ...(opts.now ? { now: opts.now } : {}),
          });
        case 'kurrentdb':
          return openKurrentDbEventStore({ ...opts.kurrentdb, connectionString: where.connectionString });
        default: {
          const unreachable: never = where;
          return unreachable;
        }
      }
    })(parseEventStoreUri(uri)),
  );
