/** Operator controls (the keel CLI): kill switches and trading sessions (docs/operating.md). */
import { Type } from '@sinclair/typebox';
import { define, Account } from './define';
import { Nullable } from '../schema';

/**
 * Who gave an operator command: the name the operator ran the CLI as (`--operator`, else the
 * OS user). Free text, bounded; not an account id.
 */
const Operator = Type.String({ minLength: 1, maxLength: 128 });

/**
 * Whom a kill switch covers (every account, or one) and why. `operator` was added after
 * catalog 0.2.0: optional, so kill switches stored before it (and writers that do not say)
 * still decode, as "operator unknown"; the compatibility check accepts a new optional property
 * of a closed object at the same version (docs/event-compatibility.md).
 */
const KillSwitch = Type.Object(
  {
    scope: Type.Union([Type.Literal('global'), Type.Literal('account')]),
    accountId: Nullable(Account),
    reason: Type.String(),
    operator: Type.Optional(Operator),
  },
  { additionalProperties: false },
);

/**
 * Whose trading a session event starts or stops (every account, or one), who said so and why.
 * The latest event covering an account decides: a global one overrides every account's own.
 */
const TradingSession = Type.Object(
  {
    scope: Type.Union([Type.Literal('global'), Type.Literal('account')]),
    accountId: Nullable(Account),
    operator: Operator,
    reason: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const CONTROL_EVENTS = {
  KillSwitchEngaged: define({
    type: 'KillSwitchEngaged',
    context: 'control',
    owner: 'cli',
    version: 1,
    description: 'Stop all new orders, globally or for one account.',
    schema: KillSwitch,
    upcasters: {},
  }),
  KillSwitchReleased: define({
    type: 'KillSwitchReleased',
    context: 'control',
    owner: 'cli',
    version: 1,
    description: 'Allow new orders again, globally or for one account.',
    schema: KillSwitch,
    upcasters: {},
  }),
  TradingSessionStopped: define({
    type: 'TradingSessionStopped',
    context: 'control',
    owner: 'cli',
    version: 1,
    description:
      'The operator stopped trading, for every account or one (`keel sessions stop-all`): execution starts no parent order and sends no child order for it, and cancels its working child orders; targets are still computed. Until the next TradingSessionStarted covering the account. Never recorded: the account trades.',
    schema: TradingSession,
    upcasters: {},
  }),
  TradingSessionStarted: define({
    type: 'TradingSessionStarted',
    context: 'control',
    owner: 'cli',
    version: 1,
    description:
      'The operator (re)started trading, for every account or one (`keel sessions trade-all`): execution takes up the latest targets and resumes its parent orders (a kill switch or a HALTED risk state still pauses them).',
    schema: TradingSession,
    upcasters: {},
  }),
} as const;
