/** CME contract mapping, rolls and delivery alerts (cme-rollover). */
import { Type } from '@sinclair/typebox';
import { define, Account, Instrument, LocalDateString } from './define';
import { Decimal, Id, Timestamp } from '../schema';

export const CALENDAR_EVENTS = {
  ContractMapped: define({
    type: 'ContractMapped',
    context: 'calendar',
    owner: 'cme-rollover',
    version: 1,
    description: 'A continuous futures symbol now trades through a given contract.',
    schema: Type.Object(
      { root: Id(8), symbol: Instrument, contract: Id(16), effectiveFrom: Timestamp() },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  RollScheduled: define({
    type: 'RollScheduled',
    context: 'calendar',
    owner: 'cme-rollover',
    version: 1,
    description: 'Exposure will move from one contract to the next.',
    schema: Type.Object(
      {
        root: Id(8),
        fromContract: Id(16),
        toContract: Id(16),
        rollStart: Timestamp(),
        forcedRollBy: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  RollCompleted: define({
    type: 'RollCompleted',
    context: 'calendar',
    owner: 'cme-rollover',
    version: 1,
    description:
      "An account's exposure in a root has left the expiring contract: it was observed flat and the next contract carries the exposure.",
    schema: Type.Object(
      { accountId: Account, root: Id(8), fromContract: Id(16), toContract: Id(16), completedAt: Timestamp() },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  DeliveryRiskAlert: define({
    type: 'DeliveryRiskAlert',
    context: 'calendar',
    owner: 'cme-rollover',
    version: 1,
    description:
      'Alert: a position in a physically settled contract is still open close to its first notice date (once per account and contract).',
    schema: Type.Object(
      {
        accountId: Account,
        root: Id(8),
        contract: Id(16),
        qty: Decimal(),
        firstNoticeDate: LocalDateString(),
        reason: Type.String(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
} as const;
