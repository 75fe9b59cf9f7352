/**
 * relay: the only publisher of events. Tails the event store's global log and publishes
 * every committed event to NATS JetStream, in order, at least once (see
 * docs/architecture.md, "Store → NATS"). Run exactly one per store; /readyz is false while
 * NATS refuses publishes. Health on port 8087 (KEEL_HTTP_PORT).
 */
import { Type } from '@sinclair/typebox';
import * as E from 'fp-ts/Either';
import { parseEventStoreUri } from '@keel/event-store';
import { startPnlArchiver } from '@keel/pnl-replay';
import { startRelay } from '@keel/relay';
import { runMain } from '@keel/runtime';

void runMain({
  name: 'relay',
  defaultHttpPort: 8087,
  config: {
    pnlArchiveEveryMs: Type.Integer({
      default: 5000,
      minimum: 0,
      description: 'embedded store: extend the PnL archive (fast replays, docs/replay.md) this often; 0 turns it off',
    }),
  },
  start: async ({ store, bus, logger, metrics }, config) => {
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
    // Beside an embedded store, keep the PnL archive current (an accelerator for replays; never the truth).
    const where = parseEventStoreUri(config.storeUri);
    const archiver =
      config.pnlArchiveEveryMs > 0 && E.isRight(where) && where.right.kind === 'sqlite'
        ? startPnlArchiver({ storePath: where.right.path, everyMs: config.pnlArchiveEveryMs, logger })
        : null;
    return E.right({
      checks: { publishing: async () => relay.right.healthy() },
      stop: async () => {
        await archiver?.stop();
        await relay.right.stop();
      },
    });
  },
}).then((code) => (process.exitCode = code));
