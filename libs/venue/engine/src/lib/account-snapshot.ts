/**
 * Balances and positions, read once per account per cycle (the coalescer guarantees one call
 * however many apps ask) and recorded as BalanceReported / PositionReported when they changed,
 * or as a heartbeat every `heartbeatMs` so consumers can tell "unchanged" from "not polled".
 * Pure: last recorded state + venue data + `now` → state and events. Ids derive from
 * (account, cycle), so a retried write of the same cycle is a no-op.
 */
import * as E from 'fp-ts/Either';
import { deriveId, EventMeta, newEvent, NewEvent, ValidationError } from '@keel/events';
import { Balance, Position } from '@keel/venue-domain';

export interface SnapshotState {
  readonly balances: { readonly key: string; readonly at: number } | null;
  readonly positions: { readonly key: string; readonly at: number } | null;
  /** The last AccountSnapshotReported: the account's structure then (whole-account.snapshot.ts). */
  readonly account: { readonly key: string; readonly at: number } | null;
  /** The last AccountSnapshotRejected since the last good read; null once a read is good again. */
  readonly accountRejected: { readonly key: string; readonly at: number } | null;
}

/**
 * The ids of an account's reports for one cycle (or reconciliation run). They keep the cause
 * they had when the events were called BalanceSnapshot / PositionSnapshot (catalog v1), so a
 * write retried across the rename is still recognised as the same event.
 */
export const balanceReportedId = (accountId: string, cycle: string): string =>
  deriveId('BalanceSnapshot', accountId, cycle);
export const positionReportedId = (accountId: string, cycle: string): string =>
  deriveId('PositionSnapshot', accountId, cycle);

export const initialSnapshots: SnapshotState = {
  balances: null,
  positions: null,
  account: null,
  accountRejected: null,
};

export interface AccountCycle {
  readonly accountId: string;
  readonly venue: string;
  /** Names the cycle (e.g. its scheduled instant). */
  readonly cycle: string;
  readonly now: number;
  readonly heartbeatMs: number;
}

const balancesData = (c: AccountCycle, bs: readonly Balance[]) => ({
  accountId: c.accountId,
  venue: c.venue,
  balances: [...bs]
    .sort((a, b) => a.asset.localeCompare(b.asset))
    .map((b) => ({ asset: b.asset, total: b.total.toFixed(), free: b.free.toFixed() })),
});

const positionsData = (c: AccountCycle, ps: readonly Position[]) => ({
  accountId: c.accountId,
  venue: c.venue,
  positions: [...ps]
    .sort((a, b) => a.symbol.localeCompare(b.symbol))
    .map((p) => ({
      instrument: p.symbol,
      qty: p.qty.toFixed(),
      entryPrice: p.entryPrice === null ? null : p.entryPrice.toFixed(),
    })),
});

export const due = (
  last: { readonly key: string; readonly at: number } | null,
  key: string,
  c: AccountCycle,
): boolean => last === null || last.key !== key || c.now - last.at >= c.heartbeatMs;

/** The snapshot events one cycle's reads call for. */
export const snapshotEvents = (
  state: SnapshotState,
  c: AccountCycle,
  reads: { readonly balances: readonly Balance[] | null; readonly positions: readonly Position[] | null },
  meta: EventMeta,
): E.Either<ValidationError, { readonly state: SnapshotState; readonly events: readonly NewEvent[] }> => {
  const out: E.Either<ValidationError, NewEvent>[] = [];
  let next = state;
  if (reads.balances) {
    const data = balancesData(c, reads.balances);
    const key = JSON.stringify(data.balances);
    if (due(state.balances, key, c)) {
      out.push(newEvent('BalanceReported', balanceReportedId(c.accountId, c.cycle), data, meta));
      next = { ...next, balances: { key, at: c.now } };
    }
  }
  if (reads.positions) {
    const data = positionsData(c, reads.positions);
    const key = JSON.stringify(data.positions);
    if (due(state.positions, key, c)) {
      out.push(newEvent('PositionReported', positionReportedId(c.accountId, c.cycle), data, meta));
      next = { ...next, positions: { key, at: c.now } };
    }
  }
  return E.map((events: readonly NewEvent[]) => ({ state: next, events }))(E.sequenceArray(out));
};
