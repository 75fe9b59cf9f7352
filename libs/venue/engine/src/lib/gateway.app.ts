/**
 * The gateway as a folding app: its state is each owned account's `AccountLog` plus the kill
 * switches (`evolveGate`); its `react` acts on the venue (placements, cancels through
 * `runPlacement` / `runCancel`) and records what happened in `venue-<accountId>`. Event ids
 * derive from their cause, so a repeated fact is a no-op in the store.
 *
 * A command is placed "in doubt" (looked up by client order id before any send) when it was
 * recorded before this process started, when it is reacted to again after a restart
 * (`ctx.again`), or when this process already tried it (a retried handler).
 */
import * as E from 'fp-ts/Either';
import {
  appSnapshotKey,
  describeError,
  EventMeta,
  EventType,
  NewEvent,
  RecordedEvent,
  streamName,
} from '@keel/events';
import { appendIgnoringDuplicates, EventStore } from '@keel/event-store';
import { Clock, FoldingApp, Logger, Projection } from '@keel/runtime';
import { Instrument } from '@keel/venue-domain';
import { ACCOUNT_LOG_EVENT_TYPES, AccountLog, emptyAccountLog, evolveAccountLog } from './reconciliation';
import {
  AccountPhase,
  accountHaltedEvent,
  evolveGate,
  GateState,
  halt,
  initialGate,
  route,
} from './command-gate';
import { CoalescingAdapter } from './request-coalescer';
import { checkDelivery } from './delivery-guard';
import { placementEvents, runPlacement } from './order-placement';
import { runCancel } from './order-cancel';
import type { GatewayMetrics } from './gateway.metrics';

export interface GatewayState {
  readonly logs: Readonly<Record<string, AccountLog>>;
  /** Kill switches as folded; phases and the start position are the running process's. */
  readonly gate: GateState;
}

export const GATEWAY_EVENT_TYPES: readonly EventType[] = [
  ...ACCOUNT_LOG_EVENT_TYPES,
  'CancelRequested',
  'KillSwitchEngaged',
  'KillSwitchReleased',
];

export const initialGatewayState = (accountIds: readonly string[]): GatewayState => ({
  logs: Object.fromEntries(accountIds.map((a) => [a, emptyAccountLog(a)])),
  gate: initialGate([], 0),
});

export const evolveGateway = (s: GatewayState, e: RecordedEvent): GatewayState => ({
  logs: Object.fromEntries(Object.entries(s.logs).map(([a, log]) => [a, evolveAccountLog(log, e)])),
  gate: evolveGate(s.gate, e),
});

/**
 * Store facts in a stream (ids already stored are kept as they are). A refusal rejects: inside
 * `react` that leaves the event unapplied, to be delivered again.
 */
export const recordFacts = async (
  store: EventStore,
  stream: string,
  events: readonly NewEvent[],
): Promise<void> => {
  const r = await appendIgnoringDuplicates(store, stream, events)();
  if (E.isLeft(r)) throw new Error(`recording in ${stream}: ${describeError(r.left)}`);
};

/** The gateway's folded state, as its snapshot is stored (`app:gateway`): what `keel replay gateway` refolds. */
export const GATEWAY_SNAPSHOT_KEY = appSnapshotKey('gateway');

/** Version 2: the account log view folds FundingPaid (the funding cursor); older snapshots are refolded. */
export const gatewayProjection = (accountIds: readonly string[]): Projection<GatewayState> => ({
  version: 2,
  initial: initialGatewayState(accountIds),
  eventTypes: GATEWAY_EVENT_TYPES,
  evolve: evolveGateway,
});

/** The owned accounts' logs of a stored snapshot, read as the JSON it was saved as; undefined when not shaped like one. */
export const snapshotLogs = (state: unknown): GatewayState['logs'] | undefined =>
  typeof state === 'object' && state !== null && 'logs' in state ? (state as GatewayState).logs : undefined;

export const venueStream = (accountId: string): string => {
  const s = streamName('venue', accountId);
  if (E.isLeft(s)) throw new Error(describeError(s.left));
  return s.right;
};

export interface GatewayShell {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Each owned account's coalescer (rate budget inside). */
  readonly venues: ReadonlyMap<string, CoalescingAdapter>;
  readonly instruments: ReadonlyMap<string, Instrument>;
  /** Global position of the log when this process started. */
  readonly startPosition: number;
  /** Phase per owned account (start-up reconciliation flips them to Ready). */
  readonly phases: Record<string, { phase: AccountPhase; reason: string | null }>;
  readonly maxLookups?: number;
  readonly metrics?: Pick<GatewayMetrics, 'placements'>;
}

export const gatewayApp = (accountIds: readonly string[], shell: GatewayShell): FoldingApp<GatewayState> => {
  const { store, clock, logger } = shell;
  /** Client order ids this process has started to place: a retry of one is in doubt. */
  const attempted = new Set<string>();
  const sleep = (ms: number) => clock.sleep(ms);
  return {
    name: 'gateway',
    projection: gatewayProjection(accountIds),
    react: async (event, state, ctx) => {
      const gate: GateState = { ...state.gate, accounts: shell.phases, startPosition: shell.startPosition };
      const work = route(gate, event);
      const meta: EventMeta = {
        correlationId: event.correlationId,
        causationId: event.eventId,
        producer: 'gateway',
        occurredAt: new Date(ctx.now).toISOString(),
      };
      switch (work.kind) {
        case 'ignore':
          return [];
        case 'defer':
          // Start-up reconciliation runs before consuming, so this is not expected: leave it unapplied.
          throw new Error(`account ${work.accountId} is still reconciling`);
        case 'place': {
          const c = work.command;
          const venue = shell.venues.get(c.accountId);
          if (!venue) return [];
          const logged = state.logs[c.accountId]?.orders[c.clientOrderId];
          // Redelivered after its outcome was folded: nothing left to do.
          if (logged && (logged.venueOrderId !== null || logged.closed !== null)) return [];
          const inDoubt = work.inDoubt || ctx.again || attempted.has(c.clientOrderId);
          attempted.add(c.clientOrderId);
          // The delivery guard: a physical CME contract past its cutoff is never opened or increased (looked up if in doubt, never sent).
          const delivery = checkDelivery(c, state.logs[c.accountId] ?? emptyAccountLog(c.accountId), ctx.now);
          if (delivery._tag === 'Refused')
            logger.warn(
              { clientOrderId: c.clientOrderId, instrument: c.instrument, reason: delivery.reason },
              'delivery guard refused an order',
            );
          const blocked =
            work.blocked ??
            (delivery._tag === 'Refused' ? { code: delivery.code, reason: delivery.reason } : null);
          const out = await runPlacement(
            {
              kind: 'Requested',
              command: c,
              instrument: shell.instruments.get(c.instrument) ?? null,
              inDoubt,
              blocked,
            },
            { venue, sleep, ...(shell.maxLookups !== undefined ? { maxLookups: shell.maxLookups } : {}) },
          );
          const refused = out.facts.find((f) => f.kind === 'rejected' && f.code === 'VenueAuthFailed');
          if (refused) {
            const halted = halt({ ...gate }, c.accountId, 'credentials refused');
            Object.assign(shell.phases, halted.accounts);
            logger.error(
              { accountId: c.accountId },
              'venue refused the credentials: account halted, no new orders',
            );
            const alert = accountHaltedEvent(
              {
                accountId: c.accountId,
                venue: venue.venue,
                code: 'VenueAuthFailed',
                reason: refused.kind === 'rejected' ? refused.reason : 'credentials refused',
                clientOrderId: c.clientOrderId,
              },
              meta,
            );
            if (E.isLeft(alert)) throw new Error(describeError(alert.left));
            await recordFacts(store, venueStream(c.accountId), [alert.right]);
          }
          for (const f of out.facts) shell.metrics?.placements.inc({ outcome: f.kind });
          if (out.state.status === 'InDoubt') shell.metrics?.placements.inc({ outcome: 'in_doubt' });
          if (out.state.status === 'InDoubt')
            throw new Error(`order ${c.clientOrderId} still in doubt after look-ups; retrying`);
          const events = placementEvents(
            { accountId: c.accountId, instrument: c.instrument, clientOrderId: c.clientOrderId },
            out.facts,
            meta,
          );
          if (E.isLeft(events)) throw new Error(describeError(events.left));
          await recordFacts(store, venueStream(c.accountId), events.right);
          logger.info(
            { clientOrderId: c.clientOrderId, inDoubt, facts: out.facts.map((f) => f.kind) },
            'placement done',
          );
          return [];
        }
        case 'cancel': {
          const c = work.command;
          const venue = shell.venues.get(c.accountId);
          if (!venue) return [];
          const out = await runCancel(
            { kind: 'Requested', instrument: c.instrument, clientOrderId: c.clientOrderId },
            { venue, sleep },
          );
          const events = placementEvents(
            { accountId: c.accountId, instrument: c.instrument, clientOrderId: c.clientOrderId },
            out.facts,
            meta,
          );
          if (E.isLeft(events)) throw new Error(describeError(events.left));
          await recordFacts(store, venueStream(c.accountId), events.right);
          return [];
        }
        default: {
          const never: never = work;
          return never;
        }
      }
    },
  };
};
