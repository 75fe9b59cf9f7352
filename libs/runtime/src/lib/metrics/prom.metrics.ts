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
