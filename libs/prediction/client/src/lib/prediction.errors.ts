/**
 * The two ways a send fails. Neither ever carries the secret: messages are built from the
 * status, the server's error body and the transport's error text only, and those pass through
 * `redact` anyway (a proxy or a broken server could echo a request back).
 */
import type { RefusalDetail } from './prediction.types';

/**
 * The server answered with a refusal (a 4xx, or a 429 / 5xx still refused after the last
 * retry). The fields are the server's error body (`{ "error": { status, code, message,
 * details } }`); when the body is not that shape (a proxy's HTML page), `code` is
 * `http_<status>` and `message` the start of the body.
 */
export class PredictionRefused extends Error {
  override readonly name = 'PredictionRefused';

  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string,
    readonly details: readonly RefusalDetail[],
    /** How many requests were made, retries included. */
    readonly attempts: number,
  ) {
    super(`prediction refused: ${status} ${code}: ${serverMessage}${attemptsNote(attempts)}`);
  }
}

/**
 * No answer from the server after the last retry: every attempt failed in transport (refused
 * connection, reset, DNS, timeout). Whether a prediction was recorded is unknown; resending the
 * same body later is safe (the server replays what it recorded).
 */
export class PredictionUnreachable extends Error {
  override readonly name = 'PredictionUnreachable';

  constructor(
    readonly url: string,
    /** The last attempt's transport error, e.g. `ECONNREFUSED` or `timeout after 10000 ms`. */
    readonly lastError: string,
    readonly attempts: number,
  ) {
    super(`prediction not delivered to ${url}: ${lastError}${attemptsNote(attempts)}`);
  }
}

const attemptsNote = (attempts: number): string => (attempts > 1 ? ` (after ${attempts} attempts)` : '');

/** `text` with every occurrence of `secret` replaced; an empty secret changes nothing. */
export const redact = (secret: string, text: string): string =>
  secret.length === 0 ? text : text.split(secret).join('[redacted]');
