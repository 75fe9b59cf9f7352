/**
 * The intake as its transports see it: raw bytes and headers in, a status, headers and a JSON
 * body out. HTTP (Fastify) and NATS request/reply are two adapters of the same function, so a
 * model gets the same answers, byte for byte, whichever way it sends.
 */
import { Refusal, REFUSAL_STATUS } from './admission';

export interface IntakeRequest {
  /** A header by lower-case name (the first value when repeated). */
  readonly header: (name: string) => string | undefined;
  /** The body exactly as received: the signature covers these bytes. */
  readonly body: Uint8Array;
  readonly transport: 'http' | 'nats';
}

export interface IntakeReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text. */
  readonly body: string;
}

export type Intake = (request: IntakeRequest) => Promise<IntakeReply>;

export const INTAKE_HEADERS = {
  key: 'keel-key',
  signature: 'keel-signature',
  replayed: 'idempotent-replayed',
  retryAfter: 'retry-after',
  /** On a NATS reply: the HTTP status the same request would have had. */
  status: 'keel-status',
} as const;

/** Where producers already on the bus send predictions (core NATS request/reply). */
export const PREDICTION_SUBJECT = 'keel.cmd.prediction.submit';

/** HTTP: the route. */
export const PREDICTIONS_PATH = '/v1/predictions';

/** Request bodies larger than this are refused unread (413). */
export const MAX_BODY_BYTES = 1024 * 1024;

export const refusalReply = (r: Refusal, headers: Readonly<Record<string, string>> = {}): IntakeReply => {
  const status = REFUSAL_STATUS[r.code];
  return {
    status,
    headers,
    body: JSON.stringify({ error: { status, code: r.code, message: r.message, details: r.details } }),
  };
};
