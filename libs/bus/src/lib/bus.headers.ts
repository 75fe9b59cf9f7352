/**
 * Message headers the bus writes and reads. Subjects and stream names live in
 * `@keel/events` names.ts. Only the bus adapters write these headers; their names are
 * exported for readers outside the code: operators reading the DLQ with the `nats` CLI and
 * the AsyncAPI document (tools/contract), which publishes them as part of the contract.
 */

/** JetStream's dedupe header: the event id, so a re-publish within the window is dropped. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';
/** The event's global position; `lastPublishedPosition` reads it back from the last message. */
export const POSITION_HEADER = 'Keel-Position';
/** The identity of the store the relay read the event from (`EventStore.identity`). */
export const STORE_HEADER = 'Keel-Store';

/**
 * A `Keel-Position` value as the relay wrote it: a decimal integer ≥ 1 within 2^53. Anything
 * else (`abc`, `1e9`, `-1`, `007`) was not written by a relay. Right: the position; Left: why not.
 */
export const parsePositionHeader = (
  value: string,
): { ok: true; position: number } | { ok: false; reason: string } => {
  const n = Number(value);
  return /^[1-9]\d{0,15}$/.test(value) && Number.isSafeInteger(n)
    ? { ok: true, position: n }
    : { ok: false, reason: `${POSITION_HEADER} ${JSON.stringify(headerValue(value, 64))} is not a position` };
};
/** Why a message was dead-lettered: the decode error (naming the field) or the handler's error. */
export const DLQ_REASON_HEADER = 'Keel-Dlq-Reason';
/** The subject the dead-lettered message originally arrived on. */
export const DLQ_SUBJECT_HEADER = 'Keel-Original-Subject';
/** The app whose consumer gave up on the message. */
export const DLQ_CONSUMER_HEADER = 'Keel-Consumer';
/** How many times the message had been delivered when it was dead-lettered. */
export const DLQ_DELIVERIES_HEADER = 'Keel-Deliveries';

/**
 * A header value must be one line (NATS headers are HTTP-like); long reasons are cut so a
 * huge error message cannot bloat every DLQ entry.
 */
export const headerValue = (s: string, max = 1000): string => {
  const line = s.replace(/[\r\n]+/g, ' ');
  return line.length > max ? `${line.slice(0, max)}…` : line;
};
