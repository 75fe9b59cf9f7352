/**
 * `keel kill engage|release`: the operator's kill switch, the only writer of
 * `KillSwitchEngaged` / `KillSwitchReleased` (owner 'cli').
 *
 *   kill engage  --reason <text> [--account <id>] [--store <uri>] [--json]
 *   kill release --reason <text> [--account <id>] [--store <uri>] [--json]
 *
 * Without --account the switch covers every account (`control-global`); with it, one account
 * (`control-<id>`). The event is appended to the store (--store, else KEEL_STORE_URI, else the
 * apps' default `sqlite:./data/keel.sqlite`) and nowhere else: subscribers of the embedded
 * SQLite store poll the file, so the relay of a running session, another process, picks it up
 * and publishes it. Execution pauses new orders on the kill switch at once; the optimizer
 * answers with its risk state (risk.killSwitch "freeze" → HALTED, "flatten" → every held
 * target to 0), see docs/optimizer.md "Risk state". A release lifts the switch (and a latched
 * max-drawdown HALTED of the accounts it covers).
 *
 * The event id derives from the operator's command (type, scope, account, reason, instant),
 * so a write the store already took is not taken twice. Bad input (no reason, a bad account
 * id, a store URI that names no store, `memory:`) is a usage error naming the flag and the
 * value (exit 2) and nothing is appended; a store that fails during the append exits 1.
 */
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { deriveId, describeError, newEvent, streamName } from '@keel/events';
import { EventStore, openEventStore, parseEventStoreUri } from '@keel/event-store';
import { BaseAppConfig } from '@keel/runtime';
import { parseFlags, UsageError } from '../cli.io';
import type { Command, OptionSpecs } from './command';

type KillType = 'KillSwitchEngaged' | 'KillSwitchReleased';

/** The store the apps open when KEEL_STORE_URI is unset (the runtime's base config). */
export const DEFAULT_STORE_URI = String(BaseAppConfig.properties.storeUri.default);
const STORE_ENV = 'KEEL_STORE_URI';

export interface KillDeps {
  /** The operator's instant (epoch ms): the event's occurredAt and part of its id. */
  readonly now?: () => number;
  /** Where KEEL_STORE_URI is read when --store is not given. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface KillRecorded {
  readonly type: KillType;
  readonly eventId: string;
  readonly stream: string;
  readonly globalPosition: number;
  readonly streamRevision: number;
  readonly scope: 'global' | 'account';
  readonly accountId: string | null;
  readonly reason: string;
  readonly occurredAt: string;
  readonly store: string;
  /** True when the SQLite file did not exist: no running session can be reading it. */
  readonly storeCreated: boolean;
}

const FLAGS = {
  reason: { type: 'string', valueName: 'text', description: 'why (required, recorded in the event)' },
  account: { type: 'string', valueName: 'id', description: 'one account', defaultText: 'every account' },
  store: {
    type: 'string',
    valueName: 'uri',
    description: 'event store URI',
    defaultText: `$${STORE_ENV}, else ${DEFAULT_STORE_URI}`,
  },
} as const satisfies OptionSpecs;

const help = (verb: 'engage' | 'release'): string =>
  [
    `usage: npm run --silent keel -- kill ${verb} --reason <text> [--account <id>] [--store <uri>] [--json]`,
    '',
    verb === 'engage'
      ? 'Appends KillSwitchEngaged: stop all new orders, for every account or (--account) one.'
      : 'Appends KillSwitchReleased: allow new orders again, for every account or (--account) one.',
    'Stream control-global, or control-<id> with --account. --store: the event store URI',
    `(default: ${STORE_ENV}, else ${DEFAULT_STORE_URI}). Subscribers of the embedded SQLite store`,
    "poll the file, so a running session's relay picks the event up from this process.",
    'Execution pauses at once on an engaged switch; the optimizer answers with its risk state',
    '(risk.killSwitch "freeze" → HALTED, "flatten" → targets to 0): docs/optimizer.md "Risk state".',
  ].join('\n');

/** Which store, and which setting named it (for error messages). */
const storeOf = (
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { readonly uri: string; readonly source: string } => {
  if (flag !== undefined) return { uri: flag, source: '--store' };
  const fromEnv = env[STORE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { uri: fromEnv, source: `--store (from ${STORE_ENV})` };
  return { uri: DEFAULT_STORE_URI, source: '--store (the default)' };
};

const human = (r: KillRecorded): string =>
  [
    `${r.type} (${r.scope === 'global' ? 'every account' : `account ${r.accountId ?? ''}`}): ${JSON.stringify(r.reason)}`,
    `  event ${r.eventId}`,
    `  stream ${r.stream} revision ${r.streamRevision}, global position ${r.globalPosition}`,
    `  store ${r.store}${r.storeCreated ? ' (new file)' : ''}, at ${r.occurredAt}`,
  ].join('\n');

const killCommand = (type: KillType, verb: 'engage' | 'release', deps: KillDeps): Command => ({
  options: FLAGS,
  description: help(verb),
  run: async (args, io) => {
    if (args.includes('--help') || args.includes('-h')) {
      io.progress(help(verb));
      return 0;
    }
    const flags = parseFlags(args, FLAGS);

    const reason = flags.reason;
    if (reason === undefined || reason.trim() === '')
      throw new UsageError(
        `--reason is required and must not be empty: say why (got ${JSON.stringify(reason ?? null)})`,
      );

    // `--account ""` is a mistake, not "every account": only an absent flag means global.
    const accountId = flags.account ?? null;
    if (accountId === 'global')
      throw new UsageError(
        '--account global would share control-global with the switch over every account; omit --account for that (got "global")',
      );
    const scope = accountId === null ? 'global' : 'account';
    const stream = streamName('control', accountId ?? 'global');
    if (E.isLeft(stream))
      throw new UsageError(`--account ${stream.left.message} (got ${JSON.stringify(accountId)})`);

    const now = (deps.now ?? Date.now)();
    const occurredAt = new Date(now).toISOString();
    const data = { scope, accountId, reason } as const;
    const event = newEvent(type, deriveId('cli', type, scope, accountId ?? '', reason, now), data, {
      correlationId: `cli-kill-${now}`,
      causationId: null,
      producer: 'cli',
      occurredAt,
    });
    if (E.isLeft(event)) {
      const e = event.left;
      if (e.path.startsWith('/data/accountId'))
        throw new UsageError(`--account ${e.message} (got ${JSON.stringify(accountId)})`);
      if (e.path.startsWith('/data/reason'))
        throw new UsageError(`--reason ${e.message} (got ${JSON.stringify(reason)})`);
      throw new UsageError(describeError(e));
    }

    const { uri, source } = storeOf(flags.store, deps.env ?? process.env);
    const where = parseEventStoreUri(uri);
    if (E.isLeft(where)) throw new UsageError(`${source} ${where.left.message} (got ${JSON.stringify(uri)})`);
    if (where.right.kind === 'memory')
      throw new UsageError(
        `${source} cannot be the memory: store: it lives in this process only and no session would see the kill switch (got ${JSON.stringify(uri)})`,
      );
    const storeCreated = where.right.kind === 'sqlite' && !fs.existsSync(where.right.path);
    const opened = await openEventStore(uri)();
    if (E.isLeft(opened))
      throw new UsageError(`${source} cannot be opened: ${opened.left.message} (got ${JSON.stringify(uri)})`);
    const store: EventStore = opened.right;

    let appended;
    try {
      appended = await store.append(stream.right, [event.right], 'any')();
    } finally {
      await store.close();
    }
    if (E.isLeft(appended)) {
      io.progress(
        `kill ${verb}: the store failed during the append of ${event.right.eventId} to ${stream.right}; whether it was recorded is unknown (look for the event id): ${describeError(appended.left)}`,
      );
      return 1;
    }
    if (storeCreated)
      io.progress(
        `kill ${verb}: ${uri} did not exist and was created; no running session reads it (the apps use ${STORE_ENV}, default ${DEFAULT_STORE_URI})`,
      );
    const recorded: KillRecorded = {
      type,
      eventId: event.right.eventId,
      stream: stream.right,
      globalPosition: appended.right.position,
      streamRevision: appended.right.nextExpectedRevision,
      scope,
      accountId,
      reason,
      occurredAt,
      store: uri,
      storeCreated,
    };
    io.result(recorded, () => human(recorded));
    return 0;
  },
});

/** The two commands, with the clock and the environment injectable (specs). */
export const killCommands = (
  deps: KillDeps = {},
): { readonly engage: Command; readonly release: Command } => ({
  engage: killCommand('KillSwitchEngaged', 'engage', deps),
  release: killCommand('KillSwitchReleased', 'release', deps),
});

const defaults = killCommands();
export const killEngageCommand: Command = defaults.engage;
export const killReleaseCommand: Command = defaults.release;
