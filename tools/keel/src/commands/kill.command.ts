/**
 * `keel kill-switch on|off` (and its older spelling `keel kill engage|release`): the operator's
 * kill switch, the only writer of `KillSwitchEngaged` / `KillSwitchReleased` (owner 'cli').
 *
 *   kill-switch on  --reason <text> [--account <id>] [--operator <name>] [--store <uri>] [--json]
 *   kill-switch off --reason <text> [--account <id>] [--operator <name>] [--store <uri>] [--json]
 *
 * Without --account the switch covers every account (`control-global`); with it, one account
 * (`control-<id>`). The event records the operator (--operator, else $USER, else the OS user)
 * and the reason. It is appended to the store (--store, else KEEL_STORE_URI, else the apps'
 * default `sqlite:./data/keel.sqlite`) and nowhere else: subscribers of the embedded SQLite
 * store poll the file, so the relay of a running session, another process, picks it up and
 * publishes it. Execution pauses new orders on the kill switch at once; the optimizer answers
 * with its risk state (risk.killSwitch "freeze" → HALTED, "flatten" → every held target to 0),
 * see docs/optimizer.md "Risk state". A release lifts the switch (and a latched max-drawdown
 * HALTED of the accounts it covers).
 *
 * The event id derives from the operator's command (type, scope, account, reason, operator,
 * instant), so a write the store already took is not taken twice. Bad input (no reason, a bad
 * account id, a blank operator, a store URI that names no store, `memory:`) is a usage error
 * naming the flag and the value (exit 2) and nothing is appended; a store that fails during
 * the append exits 1. Both spellings are the same command (docs/operating.md).
 */
import type { Command, OptionSpecs } from './command';
import { parseFlags } from '../cli.io';
import * as E from 'fp-ts/Either';
import {
  appendControl,
  controlEvent,
  controlStream,
  DEFAULT_STORE_URI,
  Env,
  openOperatorStore,
  operatorOf,
  requireOperator,
  requireReason,
  STORE_ENV,
  warnCreated,
} from './operator.store';

export { DEFAULT_STORE_URI } from './operator.store';

type KillType = 'KillSwitchEngaged' | 'KillSwitchReleased';

export interface KillDeps {
  /** The operator's instant (epoch ms): the event's occurredAt and part of its id. */
  readonly now?: () => number;
  /** Where KEEL_STORE_URI and USER are read. */
  readonly env?: Env;
  /** The OS user, when neither --operator nor USER names the operator. */
  readonly osUser?: () => string;
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
  readonly operator: string;
  readonly occurredAt: string;
  readonly store: string;
  /** True when the SQLite file did not exist: no running session can be reading it. */
  readonly storeCreated: boolean;
}

const FLAGS = {
  reason: { type: 'string', valueName: 'text', description: 'why (required; recorded in the event)' },
  account: { type: 'string', valueName: 'id', description: 'one account', defaultText: 'every account' },
  operator: { type: 'string', valueName: 'name', description: 'who', defaultText: '$USER, else the OS user' },
  store: {
    type: 'string',
    valueName: 'uri',
    description: 'the event store',
    defaultText: `${STORE_ENV}, else ${DEFAULT_STORE_URI}`,
  },
} as const satisfies OptionSpecs;

/** How the command was spelled: `kill-switch on` or `kill engage` (the same command). */
type Spelling = { readonly name: string; readonly on: boolean };

const help = ({ on }: Spelling): string =>
  [
    on
      ? 'Appends KillSwitchEngaged: stop all new orders, for every account or (--account) one.'
      : 'Appends KillSwitchReleased: allow new orders again, for every account or (--account) one.',
    'Stream control-global, or control-<id> with --account. --operator: who (default $USER, else the',
    `OS user). --store: the event store URI (default: ${STORE_ENV}, else ${DEFAULT_STORE_URI}).`,
    "Subscribers of the embedded SQLite store poll the file, so a running session's",
    'relay picks the event up from this process. Execution pauses at once on an engaged switch; the optimizer answers',
    'with its risk state (risk.killSwitch "freeze" → HALTED, "flatten" → targets to 0):',
    'docs/optimizer.md "Risk state". `kill-switch on|off` and `kill engage|release` are the same command.',
  ].join('\n');

const human = (r: KillRecorded): string =>
  [
    `${r.type} (${r.scope === 'global' ? 'every account' : `account ${r.accountId ?? ''}`}) by ${r.operator}: ${JSON.stringify(r.reason)}`,
    `  event ${r.eventId}`,
    `  stream ${r.stream} revision ${r.streamRevision}, global position ${r.globalPosition}`,
    `  store ${r.store}${r.storeCreated ? ' (new file)' : ''}, at ${r.occurredAt}`,
  ].join('\n');

const killCommand = (type: KillType, spelling: Spelling, deps: KillDeps): Command => ({
  summary: spelling.on
    ? "kill switch on: --reason <text> [--account <id>] [--operator <name>] [--store <uri>]; appended to the store, which a running session's relay polls; execution pauses at once, the optimizer answers (docs/operating.md)"
    : 'kill switch off: --reason <text> [--account <id>] [--operator <name>] [--store <uri>]; new orders allowed again',
  description: help(spelling),
  options: FLAGS,
  run: async (args, io) => {
    const flags = parseFlags(args, FLAGS);
    const env = deps.env ?? process.env;
    const reason = requireReason(flags.reason);
    const operator = requireOperator(operatorOf(flags.operator, env, deps.osUser));

    // `--account ""` is a mistake, not "every account": only an absent flag means global.
    const accountId = flags.account ?? null;
    const stream = controlStream(accountId);
    const scope = accountId === null ? 'global' : 'account';

    const now = (deps.now ?? Date.now)();
    const event = controlEvent(
      type,
      { scope, accountId, reason, operator },
      [scope, accountId ?? '', reason, operator],
      now,
      'cli-kill',
    );

    const opened = await openOperatorStore(flags.store, env, 'append');
    let appended;
    try {
      appended = await appendControl(opened.store, stream, event);
    } finally {
      await opened.store.close();
    }
    if (E.isLeft(appended)) {
      io.progress(`${spelling.name}: ${appended.left}`);
      return 1;
    }
    warnCreated(io, spelling.name, opened);
    const recorded: KillRecorded = {
      type,
      ...appended.right,
      scope,
      accountId,
      reason,
      operator,
      occurredAt: event.occurredAt,
      store: opened.uri,
      storeCreated: opened.created,
    };
    io.result(recorded, () => human(recorded));
    return 0;
  },
});

/** The commands in both spellings, with the clock and the environment injectable (specs). */
export const killCommands = (
  deps: KillDeps = {},
): {
  readonly engage: Command;
  readonly release: Command;
  readonly on: Command;
  readonly off: Command;
} => ({
  engage: killCommand('KillSwitchEngaged', { name: 'kill engage', on: true }, deps),
  release: killCommand('KillSwitchReleased', { name: 'kill release', on: false }, deps),
  on: killCommand('KillSwitchEngaged', { name: 'kill-switch on', on: true }, deps),
  off: killCommand('KillSwitchReleased', { name: 'kill-switch off', on: false }, deps),
});

const defaults = killCommands();
export const killEngageCommand: Command = defaults.engage;
export const killReleaseCommand: Command = defaults.release;
export const killSwitchOnCommand: Command = defaults.on;
export const killSwitchOffCommand: Command = defaults.off;
