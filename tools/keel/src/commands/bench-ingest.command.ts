/**
 * `keel bench ingest [--seconds 10] [--connections 32] [--json]`: the prediction intake at
 * saturation on this machine, every accepted prediction durably appended before its 201.
 *
 * One process serves (the real engine, Fastify and the NATS transport, on the embedded store
 * and a nats-server it starts); the load comes from another process (`bench/ingest-load.cjs`:
 * autocannon for HTTP, a NATS client for request/reply), one new signed prediction per request.
 * In the same run it measures two baselines: bare Fastify answering the same POST with no
 * signature, store or validation (the HTTP ceiling), and raw single-event appends to new
 * streams on the same store (the store's ceiling); `appendVsRaw` is the intake's HTTP rate as
 * a share of that. It then checks that the store holds exactly one event per 201.
 */
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import Fastify from 'fastify';
import * as E from 'fp-ts/Either';
import { deriveId, newEvent, NewEvent } from '@keel/events';
import { openSqliteEventStore } from '@keel/event-store';
import { connectNatsBus } from '@keel/bus';
import { createRealClock } from '@keel/clock';
import { createLogger } from '@keel/runtime';
import { createIngestEngine, instrumentUniverse } from '@keel/prediction-engine';
import { serveNatsIntake, startHttpIntake } from '@keel/prediction-intake';
import { startNatsServer, tempDir } from '@keel/testing';
import { intFlag, parseFlags } from '../cli.io';
import type { Command, OptionSpecs } from './command';

interface Load {
  readonly requests: number;
  readonly perSec: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
}

const KEY = { keyId: 'bench-key', modelId: 'bench-model', secret: 'bench-secret-'.padEnd(48, 'x') };
const LOAD_SCRIPT = path.join(__dirname, '../bench/ingest-load.cjs');

const load = (mode: 'http' | 'nats', target: string, connections: number, seconds: number): Promise<Load> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [LOAD_SCRIPT, mode, target, KEY.keyId, KEY.modelId, String(connections), String(seconds)],
      { env: { ...process.env, KEEL_BENCH_SECRET: KEY.secret }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Load) : reject(new Error(`load generator exited ${code}`)),
    );
  });

const round = (x: number | null, digits = 0): number | null =>
  x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits;

const OPTIONS = {
  seconds: {
    type: 'string',
    valueName: 'n',
    description: 'seconds of load per transport',
    defaultText: '10',
  },
  connections: {
    type: 'string',
    valueName: 'n',
    description: 'concurrent HTTP connections (autocannon)',
    defaultText: '32',
  },
} as const satisfies OptionSpecs;

export const benchIngestCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const seconds = intFlag('seconds', flags.seconds, 10);
    const connections = intFlag('connections', flags.connections, 32);
    const dir = await tempDir('bench-ingest');
    const nats = await startNatsServer();
    const opened = openSqliteEventStore({ path: path.join(dir.path, 'keel.sqlite') });
    if (E.isLeft(opened)) throw new Error(JSON.stringify(opened.left));
    const store = opened.right;
    const bus = await connectNatsBus({ servers: nats.url, name: 'bench-ingest' })();
    if (E.isLeft(bus)) throw new Error(JSON.stringify(bus.left));
    const bare = Fastify({ logger: false });
    bare.post('/v1/predictions', async (req, reply) =>
      reply.code(201).send({ predictionId: (req.body as { predictionId?: string }).predictionId }),
    );
    try {
      const engine = createIngestEngine(
        { store, clock: createRealClock(), logger: createLogger({ name: 'bench', level: 'silent' }) },
        {
          keys: [KEY],
          knownInstrument: instrumentUniverse(['BTC/USDT:USDT']),
          rateLimit: { ratePerSec: 1e9, burst: 1e9 },
        },
      );
      const http = await startHttpIntake({
        host: '127.0.0.1',
        port: 0,
        submit: engine.submit,
        version: 'bench',
      });
      if (E.isLeft(http)) throw new Error(JSON.stringify(http.left));
      const service = await serveNatsIntake({ bus: bus.right, submit: engine.submit })();
      if (E.isLeft(service)) throw new Error(JSON.stringify(service.left));
      const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

      io.progress(
        `bench ingest: ${seconds} s per run, ${connections} connections; load from a separate process`,
      );
      io.progress('  warm-up (intake over HTTP, 2 s)');
      const warm = await load('http', http.right.url, connections, 2);
      io.progress('  bare Fastify (baseline)');
      const bareRun = await load('http', bareUrl, connections, seconds);
      io.progress('  intake over HTTP');
      const httpRun = await load('http', http.right.url, connections, seconds);
      io.progress('  intake over NATS request/reply');
      const natsRun = await load('nats', nats.url, connections, seconds);
      await service.right.stop();
      await http.right.close();

      io.progress('  raw appends (baseline: one event per append, new stream, same concurrency)');
      const raw = await rawAppends(store, connections, Math.max(20_000, Math.round(httpRun.perSec * 2)));

      const page = await store.readAll({
        filter: { streamCategories: ['prediction'], eventTypes: ['PredictionReceived'] },
        maxCount: 10_000_000,
      })();
      const stored = E.isRight(page) ? page.right.events.length : -1;
      const accepted = warm.ok + httpRun.ok + natsRun.ok;
      const result = {
        httpPerSec: round(httpRun.perSec),
        httpP99Ms: round(httpRun.p99Ms, 2),
        natsPerSec: round(natsRun.perSec),
        natsP99Ms: round(natsRun.p99Ms, 2),
        appendVsRaw: round(httpRun.perSec / raw.perSec, 3),
        bareHttpPerSec: round(bareRun.perSec),
        bareHttpP99Ms: round(bareRun.p99Ms, 2),
        httpVsBare: round(httpRun.perSec / bareRun.perSec, 3),
        rawAppendPerSec: round(raw.perSec),
        accepted,
        stored,
        // A request still in flight when a load run stops may be stored without its 201 being
        // read: at most one per connection per run.
        storedWithoutAnswer: stored - accepted,
        everyAcceptedStored: stored >= accepted && stored - accepted <= connections * 3,
        refusedOrFailed: warm.non2xx + httpRun.non2xx + natsRun.non2xx + httpRun.errors + natsRun.errors,
        connections,
        seconds,
        loadAverage: os.loadavg().map((x) => round(x, 2)),
        cpus: os.cpus().length,
      };
      io.result(
        result,
        () =>
          `HTTP ${result.httpPerSec}/s p99 ${result.httpP99Ms} ms (bare Fastify ${result.bareHttpPerSec}/s, ${result.httpVsBare}×); NATS ${result.natsPerSec}/s p99 ${result.natsP99Ms} ms; raw appends ${result.rawAppendPerSec}/s (HTTP = ${result.appendVsRaw}× of it); stored ${result.stored} of ${result.accepted} accepted`,
      );
      return result.everyAcceptedStored ? 0 : 1;
    } finally {
      await bare.close();
      await bus.right.close();
      await store.close();
      await nats.dispose();
      await dir.cleanup();
    }
  },
};

/** `total` single-event appends to new streams, `concurrency` in flight (group commit applies). */
const rawAppends = async (
  store: Parameters<typeof createIngestEngine>[0]['store'],
  concurrency: number,
  total: number,
): Promise<{ perSec: number }> => {
  const at = new Date().toISOString();
  const eventAt = (i: number): NewEvent => {
    const eventId = deriveId('raw-append', i);
    const e = newEvent(
      'PredictionReceived',
      eventId,
      {
        predictionId: `raw-${i}`,
        modelId: 'raw',
        instrument: 'BTC/USDT:USDT',
        kind: 'signal',
        value: 0.1,
        confidence: null,
        horizonSec: 600,
        ttlSec: 600,
        generatedAt: at,
        market: null,
      },
      { correlationId: eventId, causationId: null, producer: 'bench', occurredAt: at },
    );
    if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
    return e.right;
  };
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const r = await store.append(`raw-${deriveId('raw-stream', i)}`, [eventAt(i)], 'noStream')();
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { perSec: total / (Number(process.hrtime.bigint() - started) / 1e9) };
};
