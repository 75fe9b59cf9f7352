/**
 * relay: the only publisher of events. Tails the event store's global log and publishes
 * every committed event to NATS JetStream, in order, at least once (see
 * docs/architecture.md, "Store → NATS"). Run exactly one per store; /readyz is false while
 * NATS refuses publishes. Health on port 8087 (KEEL_HTTP_PORT). It does store → NATS only:
 * derived files such as the PnL archive are kept by their context's app (balance-aggregator).
 */
import * as E from 'fp-ts/Either';
import { Type } from '@sinclair/typebox';
import { SubscriptionFailed } from '@keel/event-store';
import { startRelay } from '@keel/relay';
import { runMain } from '@keel/runtime';

void runMain({
  name: 'relay',
  defaultHttpPort: 8087,
  config: {
    eventsMaxAgeHours: Type.Integer({
      default: 168,
      minimum: 0,
      description:
        'how long NATS keeps an event (0: for ever); the store is the log: a consumer further behind is caught up from it',
    }),
    deadLettersMaxAgeHours: Type.Integer({
      default: 720,
      minimum: 0,
      description: 'how long NATS keeps a dead letter (0: for ever)',
    }),
  },
  // The relay owns the streams: it creates them and keeps their limits as configured.
  bus: (config) => ({
    manageStreams: true,
    eventsMaxAgeMs: config.eventsMaxAgeHours * 3_600_000,
    deadLettersMaxAgeMs: config.deadLettersMaxAgeHours * 3_600_000,
  }),
  start: async ({ store, bus, logger, metrics }) => {
    const relay = await startRelay({
      store,
      bus,
      logger,
      onPublished: (events) => {
        for (const e of events) metrics.eventsPublished.inc({ event_type: e.type });
      },
    });
    if (E.isLeft(relay)) return relay;
    relay.right.done.catch((err: unknown) => {
      // A row that does not decode will not decode after a restart either: the relay has
      // published everything before it and stays up, not ready, until an operator acts
      // (a restart would only loop). Anything else is crash-only: its checkpoint is what NATS
      // holds, so it exits and the supervisor starts it again.
      if (err instanceof SubscriptionFailed && err.error._tag === 'ValidationError') {
        logger.fatal(
          { err: err.message, position: relay.right.position() },
          'relay halted at a stored event it cannot read: everything before it is published; nothing after it will be until the row is repaired',
        );
        return;
      }
      logger.fatal({ err: String(err) }, 'relay store subscription failed; exiting to be restarted');
      process.exit(1);
    });
    return E.right({
      checks: { publishing: async () => relay.right.healthy() },
      stop: () => relay.right.stop(),
    });
  },
}).then((code) => (process.exitCode = code));
