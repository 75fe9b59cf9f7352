/**
 * The projections `keel replay <projection>` can rebuild, each with the app's own fold from
 * its library (never the app's code): the balance-aggregator's PnL ledger and the gateway's
 * per-account log view.
 */
import { appSnapshotKey, RecordedEvent } from '@keel/events';
import { emptyLedger, evolvePnl, PNL_INPUT_TYPES, PnlLedger, toPnlInput } from '@keel/pnl-domain';
import { ACCOUNT_LOG_EVENT_TYPES, AccountLog, emptyAccountLog, evolveAccountLog } from '@keel/venue-engine';
import { ReplayableProjection } from './projection.compare';

const field = (state: unknown, key: string): unknown => (typeof state === 'object' && state !== null ? (state as Record<string, unknown>)[key] : undefined);

export const balanceAggregatorProjection: ReplayableProjection<PnlLedger> = {
  name: 'balance-aggregator',
  summary: "the PnL ledger (books per account × instrument, last quotes) vs the app's snapshot, and every PnlUpdated vs the backfill",
  snapshotKey: appSnapshotKey('balance-aggregator'),
  eventTypes: PNL_INPUT_TYPES,
  initial: () => emptyLedger(),
  evolve: (l: PnlLedger, e: RecordedEvent) => {
    const input = toPnlInput(e);
    return input === null ? l : evolvePnl(l, input).ledger;
  },
  liveView: (s) => field(s, 'ledger'),
  view: (l) => l,
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
