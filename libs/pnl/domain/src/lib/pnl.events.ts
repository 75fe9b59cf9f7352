/**
 * The stored form of a PnL checkpoint: a PnlUpdated event in `pnl-<account>`, its id derived
 * from the causing event and the book, so a checkpoint written again after a restart is the
 * same event (a no-op in the store).
 */
import * as E from 'fp-ts/Either';
import { deriveId, EventMeta, newEvent, NewEvent, streamName, ValidationError } from '@keel/events';
import { PnlCheckpoint } from './pnl.ledger';

export const pnlStream = (accountId: string): E.Either<ValidationError, string> =>
  streamName('pnl', accountId);

export const pnlUpdatedId = (causeEventId: string, c: PnlCheckpoint): string =>
  deriveId('PnlUpdated', causeEventId, c.accountId, c.instrument);

export const pnlUpdatedEvent = (
  causeEventId: string,
  c: PnlCheckpoint,
  meta: EventMeta,
): E.Either<ValidationError, NewEvent<'PnlUpdated'>> =>
  newEvent('PnlUpdated', pnlUpdatedId(causeEventId, c), c, meta);
