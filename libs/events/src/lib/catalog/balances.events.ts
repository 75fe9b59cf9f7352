/** Account valuation (balance-aggregator). */
import { Type } from '@sinclair/typebox';
import { define, Account } from './define';
import { Decimal, Id, Timestamp } from '../schema';

export const BALANCES_EVENTS = {
  AccountEquityUpdated: define({
    type: 'AccountEquityUpdated',
    context: 'balances',
    owner: 'balance-aggregator',
    version: 1,
    description: "An account's equity, valued in its reporting currency.",
    schema: Type.Object(
      { accountId: Account, currency: Id(16), equity: Decimal(), asOf: Timestamp() },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
} as const;
