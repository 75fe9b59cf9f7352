/**
 * Decoding what an adapter read back into a `RecordedEvent`. Every event read from any
 * store goes through here: known type, upcast to the current version, payload validated.
 * A failure names the event's place in the log, because the fix is in the data, not the
 * caller.
 */
import * as E from 'fp-ts/Either';
import {
  decodeStored,
  EVENT_DEFINITIONS,
  isEventType,
  RecordedEvent,
  StoredEventFields,
  validateData,
  ValidationError,
} from '@keel/events';

const where = (raw: StoredEventFields): string =>
  `stored event at position ${raw.globalPosition} (${raw.stream}@${raw.streamRevision}, ${raw.type} ${raw.eventId})`;

/**
 * Decode one stored event. Events already at the current version (nearly all of them) are
 * validated in place and returned as they are, without the copy `decodeStored` makes: this
 * is the hot path of every replay.
 */
export const decodeAt = (raw: StoredEventFields): E.Either<ValidationError, RecordedEvent> => {
  const type = raw.type;
  if (isEventType(type) && EVENT_DEFINITIONS[type].version === raw.schemaVersion) {
    const valid = validateData(type, raw.data);
    if (E.isRight(valid)) return E.right(raw as RecordedEvent);
    return E.left({ ...valid.left, message: `${where(raw)}: ${valid.left.message}` });
  }
  const decoded = decodeStored(raw);
  if (E.isRight(decoded)) return decoded;
  return E.left({ ...decoded.left, message: `${where(raw)}: ${decoded.left.message}` });
};

/** Decode a page; the first event that fails to decode fails the page. */
export const decodeAll = (
  raws: readonly StoredEventFields[],
): E.Either<ValidationError, readonly RecordedEvent[]> => {
  const out: RecordedEvent[] = new Array(raws.length);
  for (let i = 0; i < raws.length; i++) {
    const d = decodeAt(raws[i]!);
    if (E.isLeft(d)) return d;
    out[i] = d.right;
  }
  return E.right(out);
};
