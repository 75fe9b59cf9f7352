/**
 * The account whole, once per account per cycle: the venue's raw bodies (`fetchAccount`) →
 * the venue's account model (@keel/venue-accounts `deriveAccount`) → AccountSnapshotReported,
 * each one replacing the previous; or, when the model refuses the answer, AccountSnapshotRejected
 * naming the path, and nothing of that answer.
 *
 * When to record (pure: last recorded state + this read + `now` → state and events):
 * - a snapshot when the account's structure changed — balances (asset, total) and positions
 *   (symbol, qty, entry, margin mode) — or at the heartbeat. Marks, unrealized PnL, margin and
 *   locked/free move with every price tick; consumers revalue positions at live marks
 *   themselves, so a mark move alone records nothing until the heartbeat; the first good read
 *   after a recorded rejection is recorded too (consumers hold the figures stale until then);
 * - a rejection when it is the first since the last good read, names a different path or
 *   reason than the last one recorded, or at the heartbeat while the account stays unreadable.
 * Ids derive from (account, cycle): a retried write of the same cycle is a no-op.
 */
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { deriveId, encodeData, EventMeta, newEvent, NewEvent, ValidationError } from '@keel/events';
import { AccountContext, AccountFigures, AccountRead, deriveAccount } from '@keel/venue-accounts';
import { AccountCycle, due, SnapshotState } from './account-snapshot';

export const accountSnapshotReportedId = (accountId: string, cycle: string): string =>
  deriveId('AccountSnapshotReported', accountId, cycle);
export const accountSnapshotRejectedId = (accountId: string, cycle: string): string =>
  deriveId('AccountSnapshotRejected', accountId, cycle);

/** What a change means here: wallet balances and the positions held, not their valuation. */
export const structureKey = (f: AccountFigures): string =>
  JSON.stringify({
    model: f.model,
    currency: f.currency,
    balances: f.balances.map((b) => [b.asset, b.total.toFixed()]).sort(),
    positions: f.positions
      .map((p) => [
        p.venueSymbol,
        p.qty.toFixed(),
        p.entryPrice === null ? null : p.entryPrice.toFixed(),
        p.marginMode,
      ])
      .sort(),
  });

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

export const accountSnapshotEvents = (
  state: SnapshotState,
  c: AccountCycle,
  read: AccountRead,
  ctx: AccountContext,
  meta: EventMeta,
): E.Either<ValidationError, { readonly state: SnapshotState; readonly events: readonly NewEvent[] }> => {
  const derived = deriveAccount(read, ctx);
  if (E.isRight(derived)) {
    const figures = derived.right;
    const key = structureKey(figures);
    // A good read ends a run of rejections; after one, consumers hold the account's figures as
    // stale until a snapshot arrives, so the first good read after it is always recorded.
    const good: SnapshotState = { ...state, accountRejected: null };
    if (state.accountRejected === null && !due(state.account, key, c))
      return E.right({ state: good, events: [] });
    return pipe(
      encodeData('AccountSnapshotReported', {
        ...figures,
        accountId: c.accountId,
        venue: c.venue,
        receivedAt: read.receivedAt,
        latencyMs: Math.max(0, Math.round(read.receivedAt - read.sentAt)),
        raw: { ...read.payloads },
      }),
      E.chain((data) =>
        newEvent('AccountSnapshotReported', accountSnapshotReportedId(c.accountId, c.cycle), data, meta),
      ),
      E.map((event) => ({ state: { ...good, account: { key, at: c.now } }, events: [event] })),
    );
  }
  const refused = derived.left;
  const key = JSON.stringify([refused.path, refused.message]);
  if (!due(state.accountRejected, key, c)) return E.right({ state, events: [] });
  return pipe(
    encodeData('AccountSnapshotRejected', {
      accountId: c.accountId,
      venue: c.venue,
      model: read.model,
      path: cut(refused.path === '' ? '(answer)' : refused.path, 512),
      value: cut(refused.value, 256),
      reason: cut(refused.message === '' ? 'refused' : refused.message, 512),
      receivedAt: read.receivedAt,
    }),
    E.chain((data) =>
      newEvent('AccountSnapshotRejected', accountSnapshotRejectedId(c.accountId, c.cycle), data, meta),
    ),
    E.map((event) => ({ state: { ...state, accountRejected: { key, at: c.now } }, events: [event] })),
  );
};
