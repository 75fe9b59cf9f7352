/**
 * What the operator commands (`keel kill-switch`, `keel sessions`, `keel status`) share: which
 * store they use and how they open it, who the operator is, and how one control event is
 * appended. They talk to the system only through the store: an appended event reaches the
 * running apps through the relay (subscribers of the embedded SQLite store poll the file), and
 * no app is ever called (docs/operating.md).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as E from 'fp-ts/Either';
import {
  deriveId,
  describeError,
  EventData,
  EventType,
  newEvent,
  RecordedEvent,
  streamName,
} from '@keel/events';
import { EventStore, openEventStore, parseEventStoreUri } from '@keel/event-store';
import { BaseAppConfig } from '@keel/runtime';
import { Io, UsageError } from '../cli.io';

/** The store the apps open when KEEL_STORE_URI is unset (the runtime's base config). */
export const DEFAULT_STORE_URI = String(BaseAppConfig.properties.storeUri.default);
export const STORE_ENV = 'KEEL_STORE_URI';

export type Env = Readonly<Record<string, string | undefined>>;

/** Which store, and which setting named it (for error messages). */
export const storeOf = (
  flag: string | undefined,
  env: Env,
): { readonly uri: string; readonly source: string } => {
  if (flag !== undefined) return { uri: flag, source: '--store' };
  const fromEnv = env[STORE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { uri: fromEnv, source: `--store (from ${STORE_ENV})` };
  return { uri: DEFAULT_STORE_URI, source: '--store (the default)' };
};

export interface OpenedStore {
  readonly store: EventStore;
  readonly uri: string;
  /** True when the SQLite file did not exist: no running session can be reading it. */
  readonly created: boolean;
}

/**
 * Open the store an operator command names. `append`: a SQLite file that does not exist is
 * created (and said so); `read`: it is a usage error (reading would create an empty file and
 * report an empty system). `memory:` is refused either way: it lives in this process only.
 */
export const openOperatorStore = async (
  flag: string | undefined,
  env: Env,
  mode: 'append' | 'read',
): Promise<OpenedStore> => {
  const { uri, source } = storeOf(flag, env);
  const where = parseEventStoreUri(uri);
  if (E.isLeft(where)) throw new UsageError(`${source} ${where.left.message} (got ${JSON.stringify(uri)})`);
  if (where.right.kind === 'memory')
    throw new UsageError(
      `${source} cannot be the memory: store: it lives in this process only and no session shares it (got ${JSON.stringify(uri)})`,
    );
  const created = where.right.kind === 'sqlite' && !fs.existsSync(where.right.path);
  if (created && mode === 'read')
    throw new UsageError(
      `${source} names no existing store: ${where.right.path} does not exist (got ${JSON.stringify(uri)})`,
    );
  const opened = await openEventStore(uri)();
  if (E.isLeft(opened))
    throw new UsageError(`${source} cannot be opened: ${opened.left.message} (got ${JSON.stringify(uri)})`);
  return { store: opened.right, uri, created };
};

/**
 * The operator's name: --operator, else $USER, else the OS account running the CLI. Recorded in
 * each event so the log says who stopped trading, not only why.
 */
export const operatorOf = (
  flag: string | undefined,
  env: Env,
  osUser: () => string = defaultOsUser,
): string => {
  if (flag !== undefined) return flag;
  const fromEnv = env['USER'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return osUser();
};

const defaultOsUser = (): string => {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): say so rather than fail the command.
    return 'unknown';
  }
};

/** The flags every control command takes. */
export const requireReason = (reason: string | undefined): string => {
  if (reason === undefined || reason.trim() === '')
    throw new UsageError(
      `--reason is required and must not be empty: say why (got ${JSON.stringify(reason ?? null)})`,
    );
  return reason;
};

export const requireOperator = (operator: string): string => {
  if (operator.trim() === '' || operator.length > 128)
    throw new UsageError(
      `--operator must be 1 to 128 characters, not blank (got ${JSON.stringify(operator)}; default: $USER or the OS user)`,
    );
  return operator;
};

/** An account's control stream (`control-<id>`), or the global one; usage errors name --account. */
export const controlStream = (accountId: string | null): string => {
  if (accountId === 'global')
    throw new UsageError(
      '--account global would share control-global with the scope of every account; omit --account for that (got "global")',
    );
  const stream = streamName('control', accountId ?? 'global');
  if (E.isLeft(stream))
    throw new UsageError(`--account ${stream.left.message} (got ${JSON.stringify(accountId)})`);
  return stream.right;
};

/**
 * Build a control event (type, payload, the operator's instant) with an id derived from the
 * command, so the same command at the same instant is the same event. A payload the catalog
 * refuses is a usage error naming the flag the field came from.
 */
export const controlEvent = <T extends EventType>(
  type: T,
  data: EventData<T>,
  idParts: readonly (string | number)[],
  now: number,
  correlationPrefix: string,
) => {
  const event = newEvent(type, deriveId('cli', type, ...idParts, now), data, {
    correlationId: `${correlationPrefix}-${now}`,
    causationId: null,
    producer: 'cli',
    occurredAt: new Date(now).toISOString(),
  });
  if (E.isLeft(event)) {
    const e = event.left;
    const flag = /^\/data\/(accountId|reason|operator)/.exec(e.path)?.[1];
    const given = (data as Record<string, unknown>)[flag ?? ''];
    if (flag !== undefined)
      throw new UsageError(
        `--${flag === 'accountId' ? 'account' : flag} ${e.message} (got ${JSON.stringify(given)})`,
      );
    throw new UsageError(describeError(e));
  }
  return event.right;
};

/** Where an appended event went. */
export interface Appended {
  readonly eventId: string;
  readonly stream: string;
  readonly globalPosition: number;
  readonly streamRevision: number;
}

/**
 * Append one event; Left with a message that says the outcome is unknown when the store fails
 * during the append (look the event id up before running the command again).
 */
export const appendControl = async (
  store: EventStore,
  stream: string,
  event: ReturnType<typeof controlEvent>,
): Promise<E.Either<string, Appended>> => {
  const r = await store.append(stream, [event], 'any')();
  if (E.isLeft(r))
    return E.left(
      `the store failed during the append of ${event.eventId} to ${stream}; whether it was recorded is unknown (look for the event id): ${describeError(r.left)}`,
    );
  return E.right({
    eventId: event.eventId,
    stream,
    globalPosition: r.right.position,
    streamRevision: r.right.nextExpectedRevision,
  });
};

/** Tell the operator a new store file was created: no running session reads it. */
export const warnCreated = (io: Io, what: string, opened: OpenedStore): void => {
  if (opened.created)
    io.progress(
      `${what}: ${opened.uri} did not exist and was created; no running session reads it (the apps use ${STORE_ENV}, default ${DEFAULT_STORE_URI})`,
    );
};

/** Every event of `types` in the store, in global order, page by page. */
export const readAllOf = async (
  store: EventStore,
  types: readonly EventType[],
): Promise<E.Either<string, readonly RecordedEvent[]>> => {
  const out: RecordedEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 4096, filter: { eventTypes: types } })();
    if (E.isLeft(page)) return E.left(describeError(page.left));
    out.push(...page.right.events);
    after = page.right.lastPosition;
    if (page.right.isEnd) return E.right(out);
  }
};
