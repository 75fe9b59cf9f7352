/**
 * The projections `keel replay <projection>` can rebuild, each with the app's own fold from
 * its library (never the app's code): the PnL engine's projection, which the live
 * balance-aggregator folds (imported, so the two cannot drift), and the gateway's
 * per-account log view.
 */
import { appSnapshotKey } from '@keel/events';
import { PnlLedger } from '@keel/pnl-domain';
import { PNL_ENGINE_NAME, PNL_SNAPSHOT_KEY, PnlEngineState, pnlProjection, snapshotLedger } from '@keel/pnl-engine';
import { ACCOUNT_LOG_EVENT_TYPES, AccountLog, emptyAccountLog, evolveAccountLog } from '@keel/venue-engine';
import { ReplayableProjection } from './projection.compare';

const field = (state: unknown, key: string): unknown => (typeof state === 'object' && state !== null ? (state as Record<string, unknown>)[key] : undefined);

/** The ledger is compared; the PnlUpdated the engine stored are compared with the backfill beside it (`verifyPnlCheckpoints`). */
export const balanceAggregatorProjection: ReplayableProjection<PnlEngineState> = {
  name: PNL_ENGINE_NAME,
  summary: "the PnL ledger (books per account × instrument, last quotes) vs the app's snapshot, and every PnlUpdated vs the backfill",
  snapshotKey: PNL_SNAPSHOT_KEY,
  version: pnlProjection.version,
  eventTypes: pnlProjection.eventTypes,
  initial: () => pnlProjection.initial,
  evolve: pnlProjection.evolve,
  liveView: snapshotLedger,
  view: (s): PnlLedger => s.ledger,
};

type Logs = Readonly<Record<string, AccountLog>>;

export const gatewayProjection: ReplayableProjection<Logs> = {
  name: 'gateway',
  summary: "each owned account's log view (orders, fills, last positions: evolveAccountLog) vs the gateway's snapshot",
  snapshotKey: appSnapshotKey('gateway'),
  eventTypes: ACCOUNT_LOG_EVENT_TYPES,
  initial: (live) => Object.fromEntries(Object.keys((field(live, 'logs') as Logs | undefined) ?? {}).sort().map((a) => [a, emptyAccountLog(a)])),
  evolve: (logs, e) => {
    const out: Record<string, AccountLog> = {};
    for (const [a, log] of Object.entries(logs)) out[a] = evolveAccountLog(log, e);
    return out;
  },
  liveView: (s) => field(s, 'logs'),
  view: (logs) => logs,
};

export const PROJECTIONS: Readonly<Record<string, ReplayableProjection<unknown>>> = {
  'balance-aggregator': balanceAggregatorProjection as ReplayableProjection<unknown>,
  gateway: gatewayProjection as ReplayableProjection<unknown>,
};
