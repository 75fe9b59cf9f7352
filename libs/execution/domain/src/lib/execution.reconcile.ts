/**
 * Start-up reconciliation of children in flight, the pure part: which aggregates have
 * children the venue may have answered while the process was down, how far back the
 * gateway's account log must be read for them, and which recorded venue facts become which
 * `Record*` commands. The engine reads the log and stores the decisions.
 */
import { RecordedEvent } from '@keel/events';
import { ExecutionAggregate, venueCommand } from './execution.aggregate';
import { Child } from './parent-order.state';
import { ParentOrderCommand } from './parent-order.decide';

/** The children of a working or superseding aggregate, or a completed one's late children (none otherwise). */
export const childrenInFlight = (a: ExecutionAggregate): readonly Child[] =>
  a.state.status === 'Working' || a.state.status === 'Superseding'
    ? a.state.children
    : a.state.status === 'Completed'
      ? a.state.lateChildren
      : [];

export interface AccountInFlight {
  readonly accountId: string;
  /** Client order ids of every child in flight on the account. */
  readonly open: ReadonlySet<string>;
  /** Read the account's log back to this instant (the oldest open child's request, less a minute for clocks). */
  readonly readBackTo: number;
}

/** Per account, the children in flight across its aggregates (accounts in sorted order). */
export const inFlightByAccount = (aggs: Iterable<ExecutionAggregate>): AccountInFlight[] => {
  const by = new Map<string, Child[]>();
  for (const a of aggs) {
    const children = childrenInFlight(a);
    if (children.length > 0) by.set(a.accountId, [...(by.get(a.accountId) ?? []), ...children]);
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([accountId, children]) => ({
      accountId,
      open: new Set(children.map((c) => c.clientOrderId)),
      readBackTo: Math.min(...children.map((c) => c.requestedAt)) - 60_000,
    }));
};

export interface ReconcileStep {
  readonly symbol: string;
  readonly command: ParentOrderCommand;
  /** The venue fact that causes it. */
  readonly cause: RecordedEvent;
}

/** The commands the recorded venue facts (in log order) call for, for the open children only. */
export const reconcileSteps = (
  account: AccountInFlight,
  facts: readonly RecordedEvent[],
  now: number,
): ReconcileStep[] => {
  const out: ReconcileStep[] = [];
  for (const e of facts) {
    const command = venueCommand(e, now);
    if (!command || !('clientOrderId' in command) || !account.open.has(command.clientOrderId)) continue;
    out.push({ symbol: (e.data as { instrument: string }).instrument, command, cause: e });
  }
  return out;
};
