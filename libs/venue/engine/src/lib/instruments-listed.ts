/**
 * The gateway publishes the instruments it loaded, with their rules, once per start-up:
 * consumers (execution) size and price orders by the venue's own rules instead of keeping
 * a copy. The event id derives from the content, so a restart that loads the same rules
 * adds nothing and a change of rules (a new tick size) is a new event.
 */
import * as E from 'fp-ts/Either';
import { deriveId, EventMeta, newEvent, NewEvent, streamName, ValidationError } from '@keel/events';
import { Instrument, instrumentToStored } from '@keel/venue-domain';

export const instrumentsListed = (
  venue: string,
  accountIds: readonly string[],
  instruments: readonly Instrument[],
  meta: EventMeta,
): E.Either<ValidationError, { readonly stream: string; readonly event: NewEvent }> => {
  const data = {
    venue,
    accountIds: [...accountIds].sort(),
    instruments: [...instruments]
      .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
      .map(instrumentToStored),
  };
  const stream = streamName('venue', `instruments.${venue}`);
  if (E.isLeft(stream)) return stream;
  const event = newEvent(
    'InstrumentsListed',
    deriveId('InstrumentsListed', JSON.stringify(data)),
    data,
    meta,
  );
  return E.isLeft(event) ? event : E.right({ stream: stream.right, event: event.right });
};
