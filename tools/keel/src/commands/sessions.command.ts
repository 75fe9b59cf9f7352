/**
 * `keel sessions trade-all|stop-all`: the seed dashboard's "Trade All" button as an event. The
 * only writer of `TradingSessionStarted` / `TradingSessionStopped` (owner 'cli').
 *
 *   sessions stop-all  --reason <text> [--account <id> …] [--operator <name>] [--store <uri>] [--json]
 *   sessions trade-all --reason <text> [--account <id> …] [--operator <name>] [--store <uri>] [--json]
 *
 * Without --account one event covers every account (`control-global`; the latest event covering
 * an account decides, so it also overrides each account's own); with --account (repeatable) one
 * event per account, each in `control-<id>`, appended in the order given. What a stopped account
 * does is execution's rule (docs/operating.md): no new parent or child orders, working child
 * orders cancelled (its parent orders pause with reason `sessionStopped`), targets still computed;
 * trade-all lifts that pause and takes the latest targets up. Never recorded: trading.
 *
 * Like `keel kill-switch`, the events go to the store only and reach the apps through the relay;
 * ids derive from the command, so a repeated command at the same instant appends nothing new.
 * Bad input is a usage error naming the flag and the value (exit 2) with nothing appended. A
 * store that fails during the appends exits 1 and says which accounts were recorded.
 */
import * as E from 'fp-ts/Either';
import { parseFlags } from '../cli.io';
import type { Command, OptionSpecs } from './command';
import {
  Appended,
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

type SessionType = 'TradingSessionStarted' | 'TradingSessionStopped';

export interface SessionsDeps {
  /** The operator's instant (epoch ms): each event's occurredAt and part of its id. */
  readonly now?: () => number;
  /** Where KEEL_STORE_URI and USER are read. */
  readonly env?: Env;
  /** The OS user, when neither --operator nor USER names the operator. */
  readonly osUser?: () => string;
}

export interface SessionsRecorded {
  readonly type: SessionType;
  readonly operator: string;
  readonly reason: string;
  readonly occurredAt: string;
  readonly store: string;
  readonly storeCreated: boolean;
  /** One per scope: the global one, or one per --account, in the order given. */
  readonly events: readonly (Appended & {
    readonly scope: 'global' | 'account';
    readonly accountId: string | null;
  })[];
}

const FLAGS = {
  reason: { type: 'string', valueName: 'text', description: 'why (required; recorded in each event)' },
  account: {
    type: 'string',
    multiple: true,
    valueName: 'id',
    description: 'one account (repeatable: one event each)',
    defaultText: 'every account',
  },
  operator: { type: 'string', valueName: 'name', description: 'who', defaultText: '$USER, else the OS user' },
  store: {
    type: 'string',
    valueName: 'uri',
    description: 'the event store',
    defaultText: `${STORE_ENV}, else ${DEFAULT_STORE_URI}`,
  },
} as const satisfies OptionSpecs;

const help = (verb: 'trade-all' | 'stop-all'): string =>
  [
    verb === 'stop-all'
      ? 'Appends TradingSessionStopped: the accounts stop trading. Execution starts no parent order and sends no\nchild order for them, cancels their working child orders (parents pause: sessionStopped); targets are still computed.'
      : 'Appends TradingSessionStarted: the accounts trade again. Execution lifts the sessionStopped pause and\ntakes the latest targets up (a kill switch or a HALTED risk state still pauses).',
    'Without --account: one event for every account (control-global). With --account (repeatable): one',
    'event per account (control-<id>). --operator: who (default $USER, else the OS user). --store: the',
    `event store URI (default: ${STORE_ENV}, else ${DEFAULT_STORE_URI}); a running session's relay polls it.`,
    'Never recorded: every account trades. See docs/operating.md.',
  ].join('\n');

const human = (r: SessionsRecorded): string =>
  [
    `${r.type} by ${r.operator}: ${JSON.stringify(r.reason)}, at ${r.occurredAt}`,
    ...r.events.map(
      (e) =>
        `  ${e.scope === 'global' ? 'every account' : `account ${e.accountId ?? ''}`}: event ${e.eventId}, ${e.stream} revision ${e.streamRevision}, global position ${e.globalPosition}`,
    ),
    `  store ${r.store}${r.storeCreated ? ' (new file)' : ''}`,
  ].join('\n');

const sessionsCommand = (type: SessionType, verb: 'trade-all' | 'stop-all', deps: SessionsDeps): Command => ({
  summary:
    verb === 'stop-all'
      ? 'stop trading: --reason <text> [--account <id> …] [--operator <name>] [--store <uri>]; no new parent/child orders, working children cancelled (docs/operating.md)'
      : 'trade again: --reason <text> [--account <id> …] [--operator <name>] [--store <uri>]; the "Trade All" button, as an event',
  description: help(verb),
  options: FLAGS,
  run: async (args, io) => {
    const flags = parseFlags(args, FLAGS);
    const env = deps.env ?? process.env;
    const reason = requireReason(flags.reason);
    const operator = requireOperator(operatorOf(flags.operator, env, deps.osUser));
    // Each account once, in the order given; none: every account.
    const accounts: readonly (string | null)[] =
      flags.account === undefined ? [null] : [...new Set(flags.account)];

    const now = (deps.now ?? Date.now)();
    // Every event is built (and checked) before the store is opened: bad input appends nothing.
    const planned = accounts.map((accountId) => {
      const scope = accountId === null ? ('global' as const) : ('account' as const);
      return {
        scope,
        accountId,
        stream: controlStream(accountId),
        event: controlEvent(
          type,
          { scope, accountId, operator, reason },
          [scope, accountId ?? '', reason, operator],
          now,
          'cli-sessions',
        ),
      };
    });

    const opened = await openOperatorStore(flags.store, env, 'append');
    const events: SessionsRecorded['events'][number][] = [];
    try {
      for (const p of planned) {
        const r = await appendControl(opened.store, p.stream, p.event);
        if (E.isLeft(r)) {
          const done = events.map((e) => e.accountId ?? 'every account');
          io.progress(
            `sessions ${verb}: ${r.left}; recorded before it: ${done.length === 0 ? 'none' : done.join(', ')}`,
          );
          return 1;
        }
        events.push({ ...r.right, scope: p.scope, accountId: p.accountId });
      }
    } finally {
      await opened.store.close();
    }
    warnCreated(io, `sessions ${verb}`, opened);
    const recorded: SessionsRecorded = {
      type,
      operator,
      reason,
      occurredAt: new Date(now).toISOString(),
      store: opened.uri,
      storeCreated: opened.created,
      events,
    };
    io.result(recorded, () => human(recorded));
    return 0;
  },
});

/** Both verbs, with the clock and the environment injectable (specs). */
export const sessionsCommands = (
  deps: SessionsDeps = {},
): { readonly tradeAll: Command; readonly stopAll: Command } => ({
  tradeAll: sessionsCommand('TradingSessionStarted', 'trade-all', deps),
  stopAll: sessionsCommand('TradingSessionStopped', 'stop-all', deps),
});

const defaults = sessionsCommands();
export const sessionsTradeAllCommand: Command = defaults.tradeAll;
export const sessionsStopAllCommand: Command = defaults.stopAll;
