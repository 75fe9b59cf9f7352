/**
 * The predictions API over HTTP (Fastify): `POST /v1/predictions`, and the OpenAPI document at
 * `GET /openapi.json` (checked in as docs/openapi.json). Everything a model can get wrong is
 * answered by the intake itself (`Intake`, transport-agnostic); this adapter only hands it the
 * raw bytes (the signature covers them, so Fastify's own JSON parsing and validation are off)
 * and maps what Fastify refuses before the handler (too large, wrong media type, no route) to
 * the same error shape.
 */
import Fastify, { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import * as E from 'fp-ts/Either';
import { Type } from '@sinclair/typebox';
import { InfrastructureError, infrastructureError } from '@keel/events';
import {
  Intake,
  IntakeReply,
  MAX_BODY_BYTES,
  PredictionBatch,
  PredictionSubmission,
  PREDICTIONS_PATH,
  refusal,
  RefusalCode,
  refusalReply,
  REFUSAL_STATUS,
} from '@keel/prediction-domain';

export interface HttpIntakeOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is on the result. */
  readonly port: number;
  readonly submit: Intake;
  /** Told of every request refused before it reached the intake (413, 415, 404, 405). */
  readonly onRefused?: (code: RefusalCode) => void;
  /** The API version in the OpenAPI document (the workspace's package version). */
  readonly version: string;
  readonly bodyLimit?: number;
}

export interface HttpIntake {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const Accepted = Type.Object(
  {
    predictionId: Type.String(),
    eventId: Type.String({ format: 'uuid' }),
    receivedAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Accepted' },
);

const ErrorBody = Type.Object(
  {
    error: Type.Object({
      status: Type.Integer(),
      code: Type.Union(Object.keys(REFUSAL_STATUS).map((c) => Type.Literal(c))),
      message: Type.String(),
      details: Type.Array(
        Type.Object({
          path: Type.String({ description: 'JSON pointer into the request body' }),
          value: Type.Unknown({ description: 'the value sent (cut short)' }),
          message: Type.String(),
        }),
      ),
    }),
  },
  { title: 'Error' },
);

const errorResponses = (): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [code, status] of Object.entries(REFUSAL_STATUS)) {
    const key = String(status);
    const prior = out[key] as { description: string } | undefined;
    out[key] = { ...ErrorBody, description: prior ? `${prior.description}, ${code}` : code };
  }
  return out;
};

const send = (reply: FastifyReply, r: IntakeReply): FastifyReply =>
  reply.code(r.status).headers(r.headers).send(r.body);

/** Registers the API's routes on a Fastify instance (the server, and the document's generator). */
const routes = async (
  app: FastifyInstance,
  o: Pick<HttpIntakeOptions, 'submit' | 'onRefused' | 'version' | 'bodyLimit'>,
) => {
  const bodyLimit = o.bodyLimit ?? MAX_BODY_BYTES;
  const refused = (reply: FastifyReply, code: RefusalCode, message: string): FastifyReply => {
    o.onRefused?.(code);
    return send(
      reply,
      refusalReply(refusal(code, message), { 'content-type': 'application/json; charset=utf-8' }),
    );
  };

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keel predictions API',
        version: o.version,
        description:
          'How a model sends Keel its predictions (docs/predictions-api.md). Every accepted prediction is durably recorded as a PredictionReceived event before its 201.',
      },
      servers: [{ url: 'http://127.0.0.1:8090', description: 'prediction-ingest, default port' }],
      components: {
        securitySchemes: {
          KeelKey: {
            type: 'apiKey',
            in: 'header',
            name: 'Keel-Key',
            description: 'The key id given to the model.',
          },
          KeelSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'Keel-Signature',
            description:
              't=<unix seconds>,v1=<hex HMAC-SHA256 with the key secret of "<t>.<raw body>">; t within 300 s of the server clock.',
          },
        },
      },
      security: [{ KeelKey: [], KeelSignature: [] }],
    },
  });

  // The raw bytes are the signed payload: no parsing here, the intake parses after checking.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_req, body, done) =>
    done(null, body),
  );
  // Schemas are for the document; the intake validates (the same schemas, with paths and values).
  app.setValidatorCompiler(() => () => true);

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return refused(reply, 'payload_too_large', `the body is over ${bodyLimit} bytes`);
    if (status === 415) return refused(reply, 'unsupported_media_type', 'the body must be application/json');
    if (status >= 400 && status < 500) return refused(reply, 'malformed_json', err.message);
    app.log.error(err);
    return refused(reply, 'unavailable', 'internal error; nothing was recorded for certain, retry');
  });
  app.setNotFoundHandler((req, reply) =>
    refused(reply, 'not_found', `no route ${req.method} ${req.url.slice(0, 100)}`),
  );

  app.post(
    PREDICTIONS_PATH,
    {
      schema: {
        summary: 'Send one prediction or a batch of up to 1,000',
        description:
          'Idempotent per (modelId, predictionId): the same content again answers the first response with `Idempotent-Replayed: true`; other content under a recorded key is refused (409).',
        headers: Type.Object({
          'keel-key': Type.String(),
          'keel-signature': Type.String({ pattern: '^t=\\d+(,v1=[0-9a-f]{64})+' }),
        }),
        body: Type.Union([PredictionSubmission, PredictionBatch]),
        response: {
          201: {
            description:
              'Recorded (or already recorded with the same content): one answer per prediction, in order',
            ...Type.Union([Accepted, Type.Object({ predictions: Type.Array(Accepted) })]),
          },
          ...errorResponses(),
        },
      },
    },
    async (req, reply) => {
      const body = req.body instanceof Buffer ? req.body : Buffer.alloc(0);
      const r = await o.submit({
        header: (name) => {
          const v = req.headers[name];
          return Array.isArray(v) ? v[0] : v;
        },
        body,
        transport: 'http',
      });
      return send(reply, r);
    },
  );
  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'],
    url: PREDICTIONS_PATH,
    schema: { hide: true },
    handler: (_req, reply) => {
      reply.header('allow', 'POST');
      return refused(reply, 'method_not_allowed', `${PREDICTIONS_PATH} takes POST only`);
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(app.swagger(), null, 2)),
  );
};

/** The document as checked in (docs/openapi.json): 2-space JSON and a final newline. */
export const renderOpenApi = async (version: string): Promise<string> =>
  `${JSON.stringify(await openApiDocument(version), null, 2)}\n`;

/** The OpenAPI document of the API, as served at /openapi.json. */
export const openApiDocument = async (version: string): Promise<Record<string, unknown>> => {
  const app = Fastify({ logger: false });
  await routes(app, { submit: () => Promise.reject(new Error('not serving')), version });
  await app.ready();
  const doc = app.swagger() as unknown as Record<string, unknown>;
  await app.close();
  return doc;
};

export const startHttpIntake = async (
  o: HttpIntakeOptions,
): Promise<E.Either<InfrastructureError, HttpIntake>> => {
  const app = Fastify({
    logger: false,
    bodyLimit: o.bodyLimit ?? MAX_BODY_BYTES,
    // A stopping server answers 503 to requests on kept-alive connections; models retry.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  try {
    await routes(app, o);
    await app.listen({ host: o.host, port: o.port });
  } catch (e) {
    await app.close().catch(() => undefined);
    return E.left(infrastructureError('prediction-http', `listen ${o.host}:${o.port}`, e));
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return E.right({ url: `http://${host}:${port}`, port, close: () => app.close() });
};
