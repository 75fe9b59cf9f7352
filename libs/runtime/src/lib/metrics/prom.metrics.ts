/**
 * Prometheus metrics for one app instance. Each app gets its own Registry (never
 * prom-client's global one), so several apps can live in one test process without
 * clashing, and every series carries an `app` label. The metrics Keel records everywhere
 * are created here once, with fixed names and label sets, so dashboards can rely on them.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Outcomes recorded on the handler histogram. */
export type HandlerOutcome = 'ok' | 'rejected' | 'failed';

/** An app's registry plus the metrics every app records. */
export interface KeelMetrics {
  readonly registry: Registry;
  /** Events folded into this app's state (live or during replay). */
  readonly eventsApplied: Counter<'event_type'>;
  /** Events this app published to the bus after they were stored. */
  readonly eventsPublished: Counter<'event_type'>;
  /** Messages sent to a dead-letter subject, by the reason they could not be handled. */
  readonly deadLetters: Counter<'reason'>;
  /** 1 while /readyz would answer 200, else 0. */
  readonly ready: Gauge;
  /** Steps of the system clock seen against the monotonic one, by direction. */
  readonly clockSteps: Counter<'direction'>;
  /** The folding consumer's health: 0 events flow, 1 stalled on a failing event, 2 halted on a poison one. */
  readonly consumerHealth: Gauge;
  /** Time spent handling one message or command, by handler and outcome. */
  readonly handlerDuration: Histogram<'handler' | 'outcome'>;
}

// Handlers are in-memory folds plus a store/bus round trip: sub-millisecond to seconds.
const HANDLER_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** A fresh registry with Node's default metrics and Keel's shared ones, labelled `app`. */
export const createMetrics = (app: string): KeelMetrics => {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const ready = new Gauge({ name: 'ready', help: '1 when the app is ready to do work, else 0', registers });
  ready.set(0);
  return {
    registry,
    eventsApplied: new Counter({
      name: 'events_applied_total',
      help: 'Events folded into state',
      labelNames: ['event_type'] as const,
      registers,
    }),
    eventsPublished: new Counter({
      name: 'events_published_total',
      help: 'Events published to the bus',
      labelNames: ['event_type'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'dead_letters_total',
      help: 'Messages sent to a dead-letter subject',
      labelNames: ['reason'] as const,
      registers,
    }),
    ready,
    clockSteps: new Counter({
      name: 'clock_steps_total',
      help: 'Jumps of the system clock of 1 s or more against the monotonic clock (timers are unaffected)',
      labelNames: ['direction'] as const,
      registers,
    }),
    consumerHealth: new Gauge({
      name: 'consumer_health',
      help: '0 events flow; 1 stalled (an event keeps failing and is retried); 2 halted on a poison event',
      registers,
    }),
    handlerDuration: new Histogram({
      name: 'handler_duration_seconds',
      help: 'Time to handle one message or command',
      labelNames: ['handler', 'outcome'] as const,
      buckets: HANDLER_BUCKETS,
      registers,
    }),
  };
};

/**
 * `start`, made safe to run again after a failed attempt: each run first removes what an
 * earlier run registered on `registry` (an app's own metrics, registered as it starts), so a
 * start-up retried after a transient failure (a locked store during its replay) does not die
 * on "a metric with the name … has already been registered". What the registry held before the
 * first run (the shared metrics) stays.
 */
export const rerunnableStart = <A>(registry: Registry, start: () => Promise<A>): (() => Promise<A>) => {
  const before = new Set(registry.getMetricsAsArray().map((m) => m.name));
  return async () => {
    for (const m of registry.getMetricsAsArray())
      if (!before.has(m.name)) registry.removeSingleMetric(m.name);
    return start();
  };
};

/**
 * Run `task` and record its duration under `handler`; the outcome label comes from
 * `outcomeOf` (e.g. Left of a validation error → "rejected"), "failed" if it throws.
 */
export const timeHandler = async <A>(
  metrics: Pick<KeelMetrics, 'handlerDuration'>,
  handler: string,
  task: () => Promise<A>,
  outcomeOf: (result: A) => HandlerOutcome = () => 'ok',
): Promise<A> => {
  const end = metrics.handlerDuration.startTimer({ handler });
  try {
    const result = await task();
    end({ outcome: outcomeOf(result) });
    return result;
  } catch (e) {
    end({ outcome: 'failed' });
    throw e;
  }
};

/** What a folding app's consumer gauges read on each scrape (see `registerConsumerGauges`). */
export interface ConsumerProbe {
  /** The global position the app's state includes. */
  position(): number;
  /** The store's head (the global position of its last event); null when it cannot be read. */
  head(): Promise<number | null>;
  /**
   * Events of the app's types stored after `position`, counted up to a cap: the events it has
   * yet to fold. Null when the store cannot be read.
   */
  lag(): Promise<number | null>;
}

/** The names `keel status` (tools/keel) reads from /metrics. */
export const CONSUMER_METRICS = {
  position: 'keel_consumer_position',
  head: 'keel_store_head_position',
  lag: 'keel_consumer_lag_events',
} as const;

/**
 * Register the consumer gauges on an app's registry, read from `probe` on each scrape:
 * `keel_consumer_position` (the global position the state includes), `keel_store_head_position`
 * (the store's last position) and `keel_consumer_lag_events` (events of the app's own types it
 * has yet to fold). The lag counts only the app's types: an app that folds few types is not
 * "behind" by events it never reads, which `head - position` would claim. A figure the store
 * cannot give is NaN, never a stale or made-up number. Registering again (an app restarted in
 * the same process) replaces the earlier probe.
 */
export const registerConsumerGauges = (registry: Registry, probe: ConsumerProbe): void => {
  for (const name of Object.values(CONSUMER_METRICS)) registry.removeSingleMetric(name);
  const registers = [registry];
  new Gauge({
    name: CONSUMER_METRICS.position,
    help: 'The global store position the app state includes',
    registers,
    collect() {
      this.set(probe.position());
    },
  });
  new Gauge({
    name: CONSUMER_METRICS.head,
    help: "The event store's head (global position of its last event), as the app reads it",
    registers,
    async collect() {
      this.set((await probe.head()) ?? NaN);
    },
  });
  new Gauge({
    name: CONSUMER_METRICS.lag,
    help: "Events of the app's types stored after its position, not folded yet (counted up to a cap)",
    registers,
    async collect() {
      this.set((await probe.lag()) ?? NaN);
    },
  });
};
