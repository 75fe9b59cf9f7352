/**
 * Production wiring of balance-aggregator: config → ports → the PnL engine (@keel/pnl-engine),
 * and, beside an embedded store, the PnL archiver that keeps `<store>.pnl-archive` current
 * (@keel/pnl-replay; an accelerator for replays, never the truth). The archive belongs to the
 * PnL owner, not to the relay, which only moves events from the store to NATS.
 */
import * as E from 'fp-ts/Either';
import { Type } from '@sinclair/typebox';
import { parseEventStoreUri } from '@keel/event-store';
import { AppMainSpec } from '@keel/runtime';
import { startPnlEngine } from '@keel/pnl-engine';
import { startPnlArchiver } from '@keel/pnl-replay';

export const BalanceAggregatorConfig = {
  pnlArchiveEveryMs: Type.Integer({
    default: 5000,
    minimum: 0,
    description:
      'embedded store: extend the PnL archive (fast replays, docs/replay.md) this often; 0 turns it off',
  }),
};

export const balanceAggregatorMain: AppMainSpec<typeof BalanceAggregatorConfig> = {
  name: 'balance-aggregator',
  defaultHttpPort: 8085,
  config: BalanceAggregatorConfig,
  start: async (ports, config) => {
    const engine = await startPnlEngine(ports, { snapshotEvery: config.snapshotEvery });
    if (E.isLeft(engine)) return engine;
    const where = parseEventStoreUri(config.storeUri);
    const archiver =
      config.pnlArchiveEveryMs > 0 && E.isRight(where) && where.right.kind === 'sqlite'
        ? startPnlArchiver({
            storePath: where.right.path,
            everyMs: config.pnlArchiveEveryMs,
            logger: ports.logger,
          })
        : null;
    return E.right({
      stop: async () => {
        await archiver?.stop();
        await engine.right.stop();
      },
    });
  },
};
