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
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import {
  appSnapshotKey,
  describeError,
  EventMeta,
  EventType,
  KeelError,
  NewEvent,
  RecordedEvent,
  streamName,
} from '@keel/events';
import { appendIgnoringDuplicates, EventStore } from '@keel/event-store';
import { Clock, FoldingApp, Logger, Projection, ReactContext, Write } from '@keel/runtime';
import { Instrument } from '@keel/venue-domain';
import {
  ACCOUNT_LOG_EVENT_TYPES,
  AccountLog,
  emptyAccountLog,
  evolveAccountLog,
  loggedOrder,
  recordedFills,
} from './reconciliation';
import {
  AccountPhase,
  accountHaltedEvent,
  evolveGate,
  GateState,
  GatewayWork,
  halt,
  initialGate,
  route,
} from './command-gate';
import { CoalescingAdapter } from './request-coalescer';
import { checkDelivery } from './delivery-guard';
import {
  fillEvents,
  PlacementFact,
  PlacementOutcome,
  placementEvents,
  runPlacement,
  PlacementSettings,
} from './order-placement';
import { fillsOfOrder, unrecordedFilled } from './fills-before-cancel';

/** How far back the venue's fills are read when a cancel reports fills the log lacks (a child order lives for a slice). */
const FILLS_BEFORE_CANCEL_LOOKBACK_MS = 24 * 3_600_000;
import { runCancel } from './order-cancel';
import type { GatewayMetrics } from './gateway.metrics';

export interface GatewayState {
  readonly logs: Readonly<Record<string, AccountLog>>;
  /** Kill switches as folded; phases and the start position are the running process's. */
  readonly gate: GateState;
}

export const GATEWAY_EVENT_TYPES: readonly EventType[] = [
  ...ACCOUNT_LOG_EVENT_TYPES,
  'ChildOrderCancelRequested',
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

/** The gateway's folded state, as its snapshot is stored (`app:gateway`): what `keel replay gateway` refolds. */
export const GATEWAY_SNAPSHOT_KEY = appSnapshotKey('gateway');

/**
 * Version 2: the account log view folds FundingPaid (the funding cursor). Version 3: it keeps
 * hot state only (live orders; closed orders and fill ids within a horizon). Older snapshots
 * are refolded.
 */
export const gatewayProjection = (accountIds: readonly string[]): Projection<GatewayState> => ({
  version: 3,
  initial: initialGatewayState(accountIds),
  eventTypes: GATEWAY_EVENT_TYPES,
  evolve: evolveGateway,
  // A snapshot without a log of an account owned now (one given to this gateway since) would
  // never fold that account's history: such a snapshot is replayed from the start instead.
  resumesFrom: (state) => {
    const logs = snapshotLogs(state);
    return logs !== undefined && accountIds.every((a) => logs[a] !== undefined);
  },
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
  /** The app's name (durable consumer, snapshot): `gateway`, or `gateway-<instance>` when several run. */
  readonly name?: string;
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
  /**
   * Whether this process may act for an account now (it holds the account's lease; always,
   * without leases): asked before a placement and again right before each send.
   */
  readonly owns?: (accountId: string) => boolean;
  /** Placement timings (default DEFAULT_PLACEMENT_SETTINGS). */
  readonly placement?: PlacementSettings;
  /**
   * The account's log as it stood when this process started (start-up reconciliation folds it
   * to the head): the replay reacts again to commands past the reaction checkpoint with the
   * state *at* each command, which does not hold what an earlier run recorded after it.
   */
  readonly logAtStart?: (accountId: string) => AccountLog | undefined;
  readonly metrics?: Pick<GatewayMetrics, 'placements'>;
}

/** The `outcome` label of `gateway_placements_total` for each recorded fact (docs/gateway.md). */
const PLACEMENT_OUTCOME: Readonly<Record<PlacementFact['type'], string>> = {
  OrderAccepted: 'accepted',
  OrderRejected: 'rejected',
  OrderCancelled: 'cancelled',
};

export const gatewayApp = (accountIds: readonly string[], shell: GatewayShell): FoldingApp<GatewayState> => {
  const { store, clock, logger } = shell;
  /** Client order ids this process has started to place: a retry of one is in doubt. */
  const attempted = new Set<string>();
  const sleep = (ms: number) => clock.sleep(ms);
  /** Store facts in the account's stream; ids already stored are kept as they are. */
  const record = (accountId: string, events: readonly NewEvent[]): TE.TaskEither<KeelError, void> =>
    pipe(
      appendIgnoringDuplicates(store, venueStream(accountId), events),
      TE.map(() => undefined),
    );
  const illegal = (message: string): KeelError => ({ _tag: 'IllegalStateError', message });
  const notOwner = (accountId: string): KeelError =>
    illegal(
      `account ${accountId} is not owned by this process (its lease is held elsewhere or lapsed): not sent, retried`,
    );
  const none: readonly Write[] = [];

  /** Place one child order (looked up first when in doubt) and record what became of it. */
  const place = (
    work: Extract<GatewayWork, { type: 'place' }>,
    state: GatewayState,
    gate: GateState,
    meta: EventMeta,
    ctx: ReactContext,
  ): TE.TaskEither<KeelError, readonly Write[]> => {
    const c = work.command;
    const venue = shell.venues.get(c.accountId);
    if (!venue) return TE.right(none);
    const log = state.logs[c.accountId];
    const logged = log && loggedOrder(log, c.clientOrderId);
    // Redelivered after its outcome was folded: nothing left to do.
    if (logged && (logged.venueOrderId !== null || logged.closed !== null)) return TE.right(none);
    // Reacted to again in the replay, its outcome recorded later in the log by an earlier run:
    // done too. A look-up would not do: the venue may have forgotten the order since (Binance:
    // unfilled cancelled orders after 3 days), and "not found" would send it a second time.
    const atStart = shell.logAtStart?.(c.accountId);
    const known = atStart && loggedOrder(atStart, c.clientOrderId);
    if (known && (known.venueOrderId !== null || known.closed !== null)) return TE.right(none);
    const owns = () => shell.owns?.(c.accountId) ?? true;
    // Another process holds the account: leave the command unapplied (retried), never send it.
    if (!owns()) return TE.left(notOwner(c.accountId));
    const inDoubt = work.inDoubt || ctx.again || attempted.has(c.clientOrderId);
    attempted.add(c.clientOrderId);
    // The delivery guard: a physical CME contract past its cutoff is never opened or increased (looked up if in doubt, never sent).
    const delivery = checkDelivery(c, log ?? emptyAccountLog(c.accountId), ctx.now);
    if (delivery._tag === 'Refused')
      logger.warn(
        { clientOrderId: c.clientOrderId, instrument: c.instrument, reason: delivery.reason },
        'delivery guard refused an order',
      );
    const blocked =
      work.blocked ?? (delivery._tag === 'Refused' ? { code: delivery.code, reason: delivery.reason } : null);
    const ref = { accountId: c.accountId, instrument: c.instrument, clientOrderId: c.clientOrderId };

    /** The venue refused the credentials: halt the account (no new orders) and say so. */
    const haltOnAuthFailure = (out: PlacementOutcome): TE.TaskEither<KeelError, void> => {
      const refused = out.facts.find((f) => f.type === 'OrderRejected' && f.code === 'VenueAuthFailed');
      if (!refused) return TE.right(undefined);
      Object.assign(shell.phases, halt({ ...gate }, c.accountId, 'credentials refused').accounts);
      logger.error(
        { accountId: c.accountId },
        'venue refused the credentials: account halted, no new orders',
      );
      const reason = refused.type === 'OrderRejected' ? refused.reason : 'credentials refused';
      return pipe(
        TE.fromEither(
          accountHaltedEvent(
            {
              accountId: c.accountId,
              venue: venue.venue,
              code: 'VenueAuthFailed',
              reason,
              clientOrderId: c.clientOrderId,
            },
            meta,
          ),
        ),
        TE.chain((alert) => record(c.accountId, [alert])),
      );
    };

    return pipe(
      TE.fromTask(() =>
        runPlacement(
          {
            type: 'Requested',
            command: c,
            instrument: shell.instruments.get(c.instrument) ?? null,
            inDoubt,
            blocked,
          },
          {
            venue,
            sleep,
            ...(shell.maxLookups !== undefined ? { maxLookups: shell.maxLookups } : {}),
            ...(shell.placement ? { settings: shell.placement } : {}),
            mayAct: owns,
          },
        ),
      ),
      TE.chainFirst(haltOnAuthFailure),
      TE.chain((out) => {
        if (out.unsent) return TE.left(notOwner(c.accountId));
        for (const f of out.facts) shell.metrics?.placements.inc({ outcome: PLACEMENT_OUTCOME[f.type] });
        if (out.state.status !== 'InDoubt') return TE.right(out);
        shell.metrics?.placements.inc({ outcome: 'in_doubt' });
        // Left unapplied: redelivered, and looked up again before any send.
        return TE.left(illegal(`order ${c.clientOrderId} still in doubt after look-ups; retrying`));
      }),
      TE.chainFirst((out) =>
        pipe(
          TE.fromEither(placementEvents(ref, out.facts, meta)),
          TE.chain((events) => record(c.accountId, events)),
        ),
      ),
      TE.map((out) => {
        logger.info(
          { clientOrderId: c.clientOrderId, inDoubt, facts: out.facts.map((f) => f.type) },
          'placement done',
        );
        return none;
      }),
    );
  };

  /** Cancel one child order (looked up on doubt) and record what became of it. */
  const cancel = (
    work: Extract<GatewayWork, { type: 'cancel' }>,
    state: GatewayState,
    meta: EventMeta,
  ): TE.TaskEither<KeelError, readonly Write[]> => {
    const c = work.command;
    const venue = shell.venues.get(c.accountId);
    if (!venue) return TE.right(none);
    const ref = { accountId: c.accountId, instrument: c.instrument, clientOrderId: c.clientOrderId };
    const log = state.logs[c.accountId];
    // Reacted to again in the replay, the order already closed later in the log: nothing to cancel.
    const atStart = shell.logAtStart?.(c.accountId);
    if (atStart && (loggedOrder(atStart, c.clientOrderId)?.closed ?? null) !== null) return TE.right(none);
    /** Fills the cancel's answer reports and the log does not hold yet, read from the venue (fills-before-cancel.ts). */
    const missingFills = async (facts: readonly PlacementFact[]): Promise<readonly NewEvent[]> => {
      const logged = (log && loggedOrder(log, c.clientOrderId)?.filledQty) ?? '0';
      if (unrecordedFilled(facts, logged).isZero()) return [];
      const read = await venue.fetchFills(c.instrument, clock.now() - FILLS_BEFORE_CANCEL_LOOKBACK_MS)();
      if (E.isLeft(read)) {
        logger.warn(
          { clientOrderId: c.clientOrderId, err: read.left },
          'cancel reports fills not yet recorded and the venue did not list them: the cycle will record them',
        );
        return [];
      }
      return fillEvents(
        c.accountId,
        fillsOfOrder(read.right, c.clientOrderId),
        log ? recordedFills(log) : new Set<string>(),
        meta,
      ).events;
    };
    return pipe(
      TE.fromTask(() =>
        runCancel(
          { type: 'Requested', instrument: c.instrument, clientOrderId: c.clientOrderId },
          { venue, sleep },
        ),
      ),
      TE.chain((out) =>
        pipe(
          TE.fromTask(() => missingFills(out.facts)),
          TE.chain((fills) =>
            TE.fromEither(
              E.map((cancelled: readonly NewEvent[]) => [...fills, ...cancelled])(
                placementEvents(ref, out.facts, meta),
              ),
            ),
          ),
        ),
      ),
      TE.chain((events) => record(c.accountId, events)),
      TE.map(() => none),
    );
  };

  return {
    name: shell.name ?? 'gateway',
    projection: gatewayProjection(accountIds),
    react: (event, state, ctx) => {
      const gate: GateState = { ...state.gate, accounts: shell.phases, startPosition: shell.startPosition };
      const work = route(gate, event, ctx.now);
      const meta: EventMeta = {
        correlationId: event.correlationId,
        causationId: event.eventId,
        producer: 'gateway',
        occurredAt: new Date(ctx.now).toISOString(),
      };
      switch (work.type) {
        case 'ignore':
          return TE.right(none);
        case 'defer':
          // Start-up reconciliation runs before consuming, so this is not expected: leave it unapplied.
          return TE.left(illegal(`account ${work.accountId} is still reconciling`));
        case 'place':
          return place(work, state, gate, meta, ctx);
        case 'cancel':
          return cancel(work, state, meta);
        default: {
          const never: never = work;
          return never;
        }
      }
    },
  };
};
