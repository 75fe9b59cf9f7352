/**
 * The predictions API over NATS, for producers already on the bus: a core request on
 * `keel.cmd.prediction.submit` with the HTTP request's headers and body; the reply carries the
 * HTTP response's body and headers, and the status in `Keel-Status`. Replicas of
 * prediction-ingest share the requests (one queue group).
 */
import * as TE from 'fp-ts/TaskEither';
import { EventBus, Service } from '@keel/bus';
import { InfrastructureError } from '@keel/events';
import {
  INTAKE_HEADERS,
  Intake,
  MAX_BODY_BYTES,
  PREDICTION_SUBJECT,
  refusal,
  RefusalCode,
  refusalReply,
} from '@keel/prediction-domain';

export interface NatsIntakeOptions {
  readonly bus: EventBus;
  readonly submit: Intake;
  readonly subject?: string;
  readonly queue?: string;
  readonly bodyLimit?: number;
  readonly onRefused?: (code: RefusalCode) => void;
}

const utf8 = new TextEncoder();

export const serveNatsIntake = (o: NatsIntakeOptions): TE.TaskEither<InfrastructureError, Service> => {
  const bodyLimit = o.bodyLimit ?? MAX_BODY_BYTES;
  return o.bus.serve(o.subject ?? PREDICTION_SUBJECT, o.queue ?? 'prediction-ingest', async (m) => {
    const reply =
      m.data.byteLength > bodyLimit
        ? (o.onRefused?.('payload_too_large'),
          refusalReply(refusal('payload_too_large', `the body is over ${bodyLimit} bytes`)))
        : await o.submit({ header: (name) => m.headers[name], body: m.data, transport: 'nats' });
    return {
      data: utf8.encode(reply.body),
      headers: { ...reply.headers, [INTAKE_HEADERS.status]: String(reply.status) },
    };
  });
};
