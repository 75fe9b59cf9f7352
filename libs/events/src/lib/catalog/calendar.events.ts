/** CME contract mapping, rolls and delivery alerts (cme-rollover). */
import { Type } from '@sinclair/typebox';
import { define, Account, Instrument, LocalDateString } from './define';
import { Decimal, Id, Timestamp } from '../schema';

export const CALENDAR_EVENTS = {
  ContractMapped: define({
    type: 'ContractMapped',
    context: 'calendar',
    owner: 'cme-rollover',
    version: 2,
    description:
      "A root's continuous instrument (`CME:<ROOT>`) now trades through a given contract, from `effectiveAt`.",
    schema: Type.Object(
      { root: Id(8), instrument: Instrument, contract: Id(16), effectiveAt: Timestamp() },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 called the instrument `symbol` and the instant `effectiveFrom`.
      1: ({ symbol, effectiveFrom, ...rest }) => ({
        ...rest,
        instrument: symbol,
        effectiveAt: effectiveFrom,
      }),
    },
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
    version: 2,
    description:
      "An account's exposure in a root has left the expiring contract: it was observed flat and the next contract carries the exposure. When: the envelope's `occurredAt`.",
    schema: Type.Object(
      { accountId: Account, root: Id(8), fromContract: Id(16), toContract: Id(16) },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 repeated the envelope's `occurredAt` as `completedAt` (its only writer set both
      // from the same instant): dropped.
      1: ({ completedAt: _completedAt, ...rest }) => rest,
    },
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
