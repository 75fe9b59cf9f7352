/**
 * The bus benchmark behind `keel bench bus`, run against a real nats-server through the
 * adapter (so it measures what apps get, pipelining and one-at-a-time consumption included):
 *   publishPerSec — one publish() of `messages` events (acks pipelined, `maxInFlight` at once);
 *   consumePerSec — those events through consume(): decode, mark check, handler, ack;
 *   latency       — publish() call → handler entry, paced at `rate` msgs/s for `seconds`.
 * It writes sample events into KEEL_EVENTS, so it refuses a server whose stream already
 * holds messages unless `force` is set, and removes what it wrote when it started empty.
 */
import * as E from 'fp-ts/Either';
import { performance } from 'node:perf_hooks';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import * as TE from 'fp-ts/TaskEither';
import {
  EVENTS_STREAM,
  EVENT_DEFINITIONS,
  InfrastructureError,
  durableName,
  eventSubject,
} from '@keel/events';
import { BusLogger, silentLogger } from '../lib/bus.logger';
import { NatsBusOptions, connectNatsBus } from '../lib/nats.bus';
import { EventBus } from '../lib/port';
import { sampleEvent, sampleEvents } from '../testing/sample.events';

export interface BenchBusOptions {
  readonly url: string;
  /** Events for the throughput phases (default 20,000). */
  readonly messages?: number;
  /** Paced rate for the latency phase, msgs/s (default 1,000). */
  readonly rate?: number;
  /** Length of the latency phase (default 3 s), after a short warm-up. */
  readonly seconds?: number;
  /** Publishes in flight at once (default 500, the adapter's default). */
  readonly maxInFlight?: number;
  /** Run even if KEEL_EVENTS already holds messages (its events stay there afterwards). */
  readonly force?: boolean;
  readonly logger?: BusLogger;
}

export interface BenchBusResult {
  readonly publishPerSec: number;
  readonly consumePerSec: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly latencySamples: number;
  readonly messages: number;
  /** Size of one event on the wire (JSON), bytes. */
  readonly payloadBytes: number;
}

const run = async <A>(te: TE.TaskEither<InfrastructureError, A>): Promise<A> => {
  const r = await te();
  if (E.isLeft(r)) throw new Error(`${r.left.component} ${r.left.op} failed: ${r.left.message}`);
  return r.right;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const waitFor = async (what: string, check: () => boolean, timeoutMs: number): Promise<void> => {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline)
      throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
};

/** Nearest-rank percentile of sorted samples. */
const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN);

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** Acquire, use, always release: keeps the nesting of connections readable. */
const using = async <R, A>(
  acquire: () => Promise<R>,
  release: (r: R) => Promise<unknown>,
  use: (r: R) => Promise<A>,
): Promise<A> => {
  const r = await acquire();
  try {
    return await use(r);
  } finally {
    await release(r);
  }
};

export const benchBus = async (options: BenchBusOptions): Promise<BenchBusResult> => {
  const log = options.logger ?? silentLogger;
  const seed = `bench-${Date.now().toString(36)}`;
  const apps = { throughput: `${seed}-tp`, latency: `${seed}-lat` };
  const open =
    (name: string, extra: Partial<NatsBusOptions> = {}) =>
    () =>
      run(connectNatsBus({ servers: options.url, name, logger: log, ...extra }));
  const close = (b: EventBus) => b.close();

  return using(
    open('keel-bench', options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
    close,
    (bus) =>
      // Consumers get their own connection, as an app has its own apart from the relay's:
      // publish acks and deliveries don't queue behind each other on one socket.
      using(open('keel-bench-consumer'), close, (consumerBus) =>
        using(
          (): Promise<NatsConnection> => connect({ servers: options.url, timeout: 5000 }),
          (admin) => admin.close(),
          async (admin) => {
            const jsm = await jetstreamManager(admin, { timeout: 5000 });
            const before = (await jsm.streams.info(EVENTS_STREAM)).state.messages;
            if (before > 0 && !options.force)
              throw new Error(
                `bench: ${EVENTS_STREAM} on ${options.url} already holds ${before} messages; the bench publishes ` +
                  'sample events into it. Run it against a scratch server, or pass force.',
              );
            try {
              return await measure(bus, consumerBus, options, seed, apps);
            } finally {
              // Leave the server as we found it: our durables go; our events too if the stream was empty.
              for (const app of Object.values(apps))
                await jsm.consumers.delete(EVENTS_STREAM, durableName(app)).catch(() => false);
              if (before === 0) await jsm.streams.purge(EVENTS_STREAM).catch(() => undefined);
            }
          },
        ),
      ),
  );
};

const measure = async (
  bus: EventBus,
  consumerBus: EventBus,
  options: BenchBusOptions,
  seed: string,
  apps: { readonly throughput: string; readonly latency: string },
): Promise<BenchBusResult> => {
  const messages = options.messages ?? 20_000;
  const base = (await run(bus.lastPublishedPosition())) ?? 0;
  // Separate phases, so the big batch is garbage before the latency phase (its GC pauses would show up there).
  const publishing = await publishPhase(bus, seed, base, messages);
  const consumePerSec = await consumePhase(consumerBus, apps.throughput, base, messages);
  const latency = await latencyPhase(bus, consumerBus, options, seed, apps.latency, base + messages);
  return { ...publishing, consumePerSec, ...latency, messages };
};

/** One publish() of the whole batch: acks pipelined by the adapter. */
const publishPhase = async (bus: EventBus, seed: string, base: number, messages: number) => {
  const batch = sampleEvents(seed, base + 1, base + messages);
  const payloadBytes = Buffer.byteLength(JSON.stringify(batch[0]));
  const p0 = performance.now();
  await run(bus.publish(batch));
  return { publishPerSec: Math.round(messages / ((performance.now() - p0) / 1000)), payloadBytes };
};

/** A fresh durable reads the batch back through consume(): decode, mark, handler, ack. */
const consumePhase = async (bus: EventBus, app: string, base: number, messages: number): Promise<number> => {
  let handled = 0;
  const c0 = performance.now();
  const consumer = await run(
    bus.consume(
      {
        app,
        subject: eventSubject(EVENT_DEFINITIONS.PredictionReceived.context, 'PredictionReceived'),
        afterPosition: base,
      },
      () => {
        handled++;
      },
    ),
  );
  await waitFor('the throughput consumer', () => handled >= messages, 120_000);
  const perSec = Math.round(messages / ((performance.now() - c0) / 1000));
  await consumer.stop();
  return perSec;
};

/** A live consumer on its own subject; events published one by one at a steady pace. */
const latencyPhase = async (
  bus: EventBus,
  consumerBus: EventBus,
  options: BenchBusOptions,
  seed: string,
  app: string,
  after: number,
) => {
  const rate = options.rate ?? 1000;
  const seconds = options.seconds ?? 3;
  const log = options.logger ?? silentLogger;
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  const warmup = Math.min(200, rate);
  const total = warmup + Math.round(rate * seconds);
  const first = after + 1;
  const latencyType = 'AccountEquityUpdated' as const;
  let received = 0;
  const consumer = await run(
    consumerBus.consume(
      {
        app,
        subject: eventSubject(EVENT_DEFINITIONS[latencyType].context, latencyType),
        afterPosition: after,
      },
      (e) => {
        const t = sentAt.get(e.eventId);
        if (t !== undefined && e.globalPosition >= first + warmup) samples.push(performance.now() - t);
        received++;
      },
    ),
  );
  const events = Array.from({ length: total }, (_, i) => sampleEvent(seed, first + i, latencyType));
  const pending: Promise<E.Either<InfrastructureError, void>>[] = [];
  const interval = 1000 / rate;
  const start = performance.now();
  for (const [i, e] of events.entries()) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    sentAt.set(e.eventId, performance.now());
    pending.push(bus.publish([e])());
  }
  const failed = (await Promise.all(pending)).filter(E.isLeft).length;
  if (failed > 0) log.warn({ failed }, 'bench: some latency publishes failed');
  await waitFor('the latency consumer', () => received >= total - failed, 30_000);
  await consumer.stop();

  const sorted = [...samples].sort((a, b) => a - b);
  return {
    latencyP50Ms: round(percentile(sorted, 50), 3),
    latencyP99Ms: round(percentile(sorted, 99), 3),
    latencyMaxMs: round(sorted[sorted.length - 1] ?? NaN, 3),
    latencySamples: sorted.length,
  };
};
