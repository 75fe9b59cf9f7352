/**
 * relay: the only publisher of events. Tails the event store's global log and publishes
 * every committed event to NATS JetStream, in order, at least once (see
 * docs/architecture.md, "Store → NATS"). Run exactly one per store; /readyz is false while
 * NATS refuses publishes. Health on port 8087 (KEEL_HTTP_PORT). It does store → NATS only:
 * derived files such as the PnL archive are kept by their context's app (balance-aggregator).
 */
import * as E from 'fp-ts/Either';
import { startRelay } from '@keel/relay';
import { runMain } from '@keel/runtime';

void runMain({
  name: 'relay',
  defaultHttpPort: 8087,
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
    // The relay is crash-only: its checkpoint is what NATS holds, so the safe answer to a
    // failed store subscription is to exit and let the supervisor start it again.
    relay.right.done.catch((err: unknown) => {
      logger.fatal({ err: String(err) }, 'relay store subscription failed; exiting to be restarted');
      process.exit(1);
    });
    return E.right({
      checks: { publishing: async () => relay.right.healthy() },
      stop: () => relay.right.stop(),
    });
  },
}).then((code) => (process.exitCode = code));
