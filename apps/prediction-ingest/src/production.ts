/**
 * Production wiring of prediction-ingest: its settings and the program that runs the intake
 * (`@keel/prediction-engine`) behind its two transports (`@keel/prediction-intake`: HTTP on
 * `apiPort`, NATS request/reply on `keel.cmd.prediction.submit`). Nothing here decides.
 */
import * as E from 'fp-ts/Either';
import { Static, Type } from '@sinclair/typebox';
import { KeelError, validationError } from '@keel/events';
import { createIngestEngine, DEFAULT_INSTRUMENTS, instrumentUniverse } from '@keel/prediction-engine';
import { serveNatsIntake, startHttpIntake } from '@keel/prediction-intake';
import { MAX_BATCH, PREDICTION_SUBJECT } from '@keel/prediction-domain';
import { AppMainSpec, AppPorts, AppProgram } from '@keel/runtime';
// The workspace's package.json version is the API document's version (data, not another project's code).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { version } from '../../../package.json';

const ModelKey = Type.Object(
  {
    keyId: Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$' }),
    modelId: Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$' }),
    secret: Type.String({ minLength: 32, maxLength: 512 }),
  },
  { additionalProperties: false },
);

export const IngestConfig = {
  apiHost: Type.String({
    default: '127.0.0.1',
    minLength: 1,
    description: 'where the predictions API listens',
  }),
  apiPort: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 8090,
    description: 'predictions API port (0: any free)',
  }),
  modelKeys: Type.Array(ModelKey, {
    default: [],
    secret: true,
    description:
      'the keys models sign with: [{ "keyId", "modelId", "secret" (≥ 32 chars) }], JSON (docs/plug-in-your-model.md)',
  }),
  instruments: Type.String({
    default: DEFAULT_INSTRUMENTS.join(','),
    pattern: '^[^\\s,]+(,[^\\s,]+)*$',
    description:
      'instruments predictions may name, comma-separated: venue symbols, CME:<ROOT>, or CME:* for every root the calendar knows',
  }),
  rateLimitPerSec: Type.Number({
    exclusiveMinimum: 0,
    default: 1000,
    description: 'predictions/s per model',
  }),
  rateLimitBurst: Type.Integer({
    minimum: MAX_BATCH,
    default: 5000,
    description: 'burst per model (≥ a full batch)',
  }),
  signatureToleranceSec: Type.Integer({ minimum: 1, maximum: 3600, default: 300 }),
  futureSkewSec: Type.Number({ minimum: 0, maximum: 300, default: 5 }),
  natsSubject: Type.String({ default: PREDICTION_SUBJECT, pattern: '^[A-Za-z0-9_.-]+$' }),
};
export type IngestSettings = { [K in keyof typeof IngestConfig]: Static<(typeof IngestConfig)[K]> };

export interface IngestProgram extends AppProgram {
  readonly apiUrl: string;
}

export const startIngest = async (
  ports: AppPorts,
  config: IngestSettings,
): Promise<E.Either<KeelError, IngestProgram>> => {
  const ids = config.modelKeys.map((k) => k.keyId);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined)
    return E.left(validationError('KEEL_MODEL_KEYS', twice, 'a keyId is listed twice'));
  if (config.modelKeys.length === 0)
    ports.logger.warn(
      'no model keys configured (KEEL_MODEL_KEYS): every prediction will be refused as unauthenticated',
    );

  const engine = createIngestEngine(
    { store: ports.store, clock: ports.clock, logger: ports.logger, registry: ports.metrics.registry },
    {
      keys: config.modelKeys,
      knownInstrument: instrumentUniverse(config.instruments.split(',')),
      rateLimit: { ratePerSec: config.rateLimitPerSec, burst: config.rateLimitBurst },
      signatureToleranceSec: config.signatureToleranceSec,
      futureSkewMs: config.futureSkewSec * 1000,
    },
  );
  const http = await startHttpIntake({
    host: config.apiHost,
    port: config.apiPort,
    submit: engine.submit,
    onRefused: engine.refusedByTransport('http'),
    version,
  });
  if (E.isLeft(http)) return http;
  const nats = await serveNatsIntake({
    bus: ports.bus,
    submit: engine.submit,
    subject: config.natsSubject,
    onRefused: engine.refusedByTransport('nats'),
  })();
  if (E.isLeft(nats)) {
    await http.right.close();
    return nats;
  }
  ports.logger.info(
    {
      api: `${http.right.url}/v1/predictions`,
      openapi: `${http.right.url}/openapi.json`,
      subject: config.natsSubject,
      models: new Set(config.modelKeys.map((k) => k.modelId)).size,
    },
    'predictions API up',
  );
  return E.right({
    apiUrl: http.right.url,
    stop: async () => {
      // Stop taking requests, answer those in flight, then let the runtime close store and NATS.
      await Promise.all([http.right.close(), nats.right.stop()]);
      await engine.stop();
    },
  });
};

export const ingestMain: AppMainSpec<typeof IngestConfig> = {
  name: 'prediction-ingest',
  defaultHttpPort: 8081,
  config: IngestConfig,
  start: startIngest,
};
