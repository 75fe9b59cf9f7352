/**
 * Production wiring of balance-aggregator: config → ports → the balances engine
 * (@keel/balances-engine: account valuation) and the PnL engine (@keel/pnl-engine), and, beside
 * an embedded store, the PnL archiver that keeps `<store>.pnl-archive` current
 * (@keel/pnl-replay; an accelerator for replays, never the truth). The archive belongs to the
 * PnL owner, not to the relay, which only moves events from the store to NATS.
 */
import * as E from 'fp-ts/Either';
import { Static, Type } from '@sinclair/typebox';
import { parseEventStoreUri } from '@keel/event-store';
import { AppMainSpec } from '@keel/runtime';
import { startPnlEngine } from '@keel/pnl-engine';
import { startPnlArchiver } from '@keel/pnl-replay';
import { resolveBalancesSettings } from '@keel/balances-domain';
import { startBalancesEngine } from '@keel/balances-engine';

const BalancesDoc = Type.Object(
  {
    reportingCurrency: Type.Optional(Type.String()),
    deadband: Type.Optional(Type.String()),
    heartbeatMs: Type.Optional(Type.Integer()),
    staleAfterMs: Type.Optional(Type.Integer()),
    driftGraceMs: Type.Optional(Type.Integer()),
    fixedRates: Type.Optional(Type.Record(Type.String(), Type.String())),
    collateralRatios: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.String()))),
    haircuts: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  {
    additionalProperties: false,
    description:
      'valuation settings: reportingCurrency, deadband, heartbeatMs, staleAfterMs, driftGraceMs, fixedRates, collateralRatios, haircuts (per venue: versions that replace the built-in tables) (docs/balances.md)',
  },
);

/** The valuation settings of the document and the haircut tables (@keel/balances-domain). */
export const valuationOf = (doc: Static<typeof BalancesDoc> | undefined) => resolveBalancesSettings(doc);

export const BalanceAggregatorConfig = {
  balances: Type.Optional(BalancesDoc),
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
  validate: (config) => valuationOf(config.balances),
  start: async (ports, config) => {
    const valuation = valuationOf(config.balances);
    if (E.isLeft(valuation)) return valuation;
    const engine = await startPnlEngine(ports, { snapshotEvery: config.snapshotEvery });
    if (E.isLeft(engine)) return engine;
    const balances = await startBalancesEngine(ports, valuation.right, {
      snapshotEvery: config.snapshotEvery,
    });
    if (E.isLeft(balances)) {
      await engine.right.stop();
      return balances;
    }
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
      checks: {
        pnl: async () => engine.right.health().state === 'flowing',
        valuation: async () => balances.right.health().state === 'flowing',
      },
      stop: async () => {
        await archiver?.stop();
        await balances.right.stop();
        await engine.right.stop();
      },
    });
  },
};
