/** Operator controls (the keel CLI). */
import { Type } from '@sinclair/typebox';
import { define, Account } from './define';
import { Nullable } from '../schema';

/** Whom a kill switch covers (every account, or one) and why. */
const KillSwitch = Type.Object(
  {
    scope: Type.Union([Type.Literal('global'), Type.Literal('account')]),
    accountId: Nullable(Account),
    reason: Type.String(),
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
} as const;
