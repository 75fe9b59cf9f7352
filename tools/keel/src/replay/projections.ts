/**
 * The projections `keel replay <projection>` can rebuild, each with the app's own fold from
 * its engine (never the app's code, never re-declared): the PnL engine's projection, which the
 * live balance-aggregator folds, and the venue engine's, which the gateway folds — imported,
 * so the replay and the app cannot drift.
 */
import { PnlLedger } from '@keel/pnl-domain';
import {
  PNL_ENGINE_NAME,
  PNL_SNAPSHOT_KEY,
  PnlEngineState,
  pnlProjection,
  snapshotLedger,
} from '@keel/pnl-engine';
import { GATEWAY_SNAPSHOT_KEY, gatewayProjection, GatewayState, snapshotLogs } from '@keel/venue-engine';
import { ReplayableProjection } from './projection.compare';

/** The ledger is compared; the PnlUpdated the engine stored are compared with the backfill beside it (`verifyPnlCheckpoints`). */
export const balanceAggregatorProjection: ReplayableProjection<PnlEngineState> = {
  name: PNL_ENGINE_NAME,
  summary:
    "the PnL ledger (books per account × instrument, last quotes) vs the app's snapshot, and every PnlUpdated vs the backfill",
  snapshotKey: PNL_SNAPSHOT_KEY,
  version: pnlProjection.version,
  eventTypes: pnlProjection.eventTypes,
  initial: () => pnlProjection.initial,
  evolve: pnlProjection.evolve,
  liveView: snapshotLedger,
  view: (s): PnlLedger => s.ledger,
};

/** The owned accounts' logs are compared (the kill switches are not replayed state worth comparing). */
export const gatewayReplayProjection: ReplayableProjection<GatewayState> = {
  name: 'gateway',
  summary:
    "each owned account's log view (orders, fills, last positions: evolveAccountLog) vs the gateway's snapshot",
  snapshotKey: GATEWAY_SNAPSHOT_KEY,
  version: gatewayProjection([]).version,
  eventTypes: gatewayProjection([]).eventTypes,
  // The accounts are the live gateway's: its snapshot names them.
  initial: (live) => gatewayProjection(Object.keys(snapshotLogs(live) ?? {}).sort()).initial,
  evolve: gatewayProjection([]).evolve,
  liveView: snapshotLogs,
  view: (s) => s.logs,
};

export const PROJECTIONS: Readonly<Record<string, ReplayableProjection<unknown>>> = {
  'balance-aggregator': balanceAggregatorProjection as ReplayableProjection<unknown>,
  gateway: gatewayReplayProjection as ReplayableProjection<unknown>,
};
