/**
 * For the model's specs: the real prediction intake (the engine of @keel/prediction-engine
 * behind the Fastify transport of @keel/prediction-intake, on a real embedded store in a temp
 * directory), on 127.0.0.1 port 0, with the spec's key. `recorded` lists what the intake
 * recorded (as the model sent it, in order), `refusals` the code of every refusal; `stored()`
 * reads the store itself.
 */
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import type { PredictionInput } from '@keel/prediction-client';
import { RecordedEvent } from '@keel/events';
import { openSqliteEventStore } from '@keel/event-store';
import { createLogger, createRealClock } from '@keel/runtime';
import { createIngestEngine, instrumentUniverse } from '@keel/prediction-engine';
import { startHttpIntake } from '@keel/prediction-intake';
import { tempDir } from '@keel/testing';

export interface MiniIntake {
  readonly baseUrl: string;
  /** The predictions recorded (not replays, not refusals), in arrival order, as sent. */
  readonly recorded: readonly PredictionInput[];
  /** Every refusal's code, in order. */
  readonly refusals: readonly string[];
  /** Every PredictionReceived in the store, in log order. */
  stored(): Promise<readonly RecordedEvent[]>;
  close(): Promise<void>;
}

export interface MiniIntakeOptions {
  readonly keyId: string;
  readonly secret: string;
  readonly modelId: string;
  /** The intake's clock (epoch ms). Default the wall clock. */
  readonly now?: () => number;
}

export const startMiniIntake = async (o: MiniIntakeOptions): Promise<MiniIntake> => {
  const recorded: PredictionInput[] = [];
  const refusals: string[] = [];
  const dir = await tempDir('model-intake');
  const opened = openSqliteEventStore({ path: path.join(dir.path, 'keel.sqlite') });
  if (E.isLeft(opened)) throw new Error(JSON.stringify(opened.left));
  const store = opened.right;
  const real = createRealClock();
  const engine = createIngestEngine(
    {
      store,
      clock: { ...real, now: o.now ?? real.now },
      logger: createLogger({ name: 'intake', level: 'silent' }),
    },
    {
      keys: [{ keyId: o.keyId, modelId: o.modelId, secret: o.secret }],
      knownInstrument: instrumentUniverse(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'CME:*']),
      rateLimit: { ratePerSec: 1e6, burst: 1e6 },
    },
  );
  const http = await startHttpIntake({
    host: '127.0.0.1',
    port: 0,
    version: 'spec',
    submit: async (request) => {
      const reply = await engine.submit(request);
      if (reply.status === 201 && reply.headers['idempotent-replayed'] !== 'true') {
        const body = JSON.parse(Buffer.from(request.body).toString('utf8')) as
          PredictionInput | { predictions: PredictionInput[] };
        recorded.push(...('predictions' in body ? body.predictions : [body]));
      } else if (reply.status >= 400) {
        refusals.push((JSON.parse(reply.body) as { error: { code: string } }).error.code);
      }
      return reply;
    },
  });
  if (E.isLeft(http)) throw new Error(JSON.stringify(http.left));
  return {
    baseUrl: http.right.url,
    recorded,
    refusals,
    stored: async () => {
      const page = await store.readAll({
        filter: { eventTypes: ['PredictionReceived'] },
        maxCount: 1_000_000,
      })();
      if (E.isLeft(page)) throw new Error(JSON.stringify(page.left));
      return page.right.events;
    },
    close: async () => {
      await http.right.close();
      await engine.stop();
      await store.close();
      await dir.cleanup();
    },
  };
};
