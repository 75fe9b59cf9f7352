/**
 * Perpetual funding payments → `FundingPaid` in `venue-<account>`, each exactly once.
 *
 * - The event id derives from the cause: (account, instrument, the venue's funding id). A
 *   payment asked for again (the next poll, a restart, a second gateway) is the same event,
 *   and the store keeps the first (a re-appended id is a no-op).
 * - The cursor (newest venue time recorded) and the ids recorded within FUNDING_OVERLAP_MS
 *   of it are a fold of the recorded FundingPaid events (`evolveFundingLog`, folded in the
 *   account's log view), so a restarted gateway asks from where the log says, not from memory.
 * - Each poll asks from the cursor minus the overlap, so a payment the venue publishes a little
 *   late (dated before one already seen) is still found; the ids of that window tell which
 *   of the answer are new. Before the first payment, it asks `horizonMs` back.
 * Pure.
 */
import * as E from 'fp-ts/Either';
import { deriveId, EventMeta, newEvent, NewEvent, ValidationError } from '@keel/events';
import { FundingPayment } from '@keel/venue-domain';

/** How far before the cursor each poll asks again. */
export const FUNDING_OVERLAP_MS = 60 * 60_000;

/** What the log says about the account's recorded funding (plain JSON). */
export interface FundingLog {
  /** Venue time (epoch ms) of the newest FundingPaid recorded; null before the first. */
  readonly cursor: number | null;
  /** Event ids of the payments recorded at or after `cursor − FUNDING_OVERLAP_MS`, with their venue time. */
  readonly recent: Readonly<Record<string, number>>;
}

export const emptyFundingLog: FundingLog = { cursor: null, recent: {} };

export const fundingEventId = (accountId: string, instrument: string, fundingId: string): string =>
  deriveId('FundingPaid', accountId, instrument, fundingId);

/** Fold one recorded FundingPaid (its id and venue time). */
export const evolveFundingLog = (f: FundingLog, eventId: string, venueAt: number): FundingLog => {
  if (!Number.isFinite(venueAt)) return f;
  const cursor = f.cursor === null ? venueAt : Math.max(f.cursor, venueAt);
  const recent: Record<string, number> = {};
  for (const [id, ts] of Object.entries({ ...f.recent, [eventId]: venueAt }))
    if (ts >= cursor - FUNDING_OVERLAP_MS) recent[id] = ts;
  return { cursor, recent };
};

/** Where the next poll starts (epoch ms, inclusive). */
export const fundingSince = (f: FundingLog, now: number, horizonMs: number): number =>
  f.cursor === null ? now - horizonMs : f.cursor - FUNDING_OVERLAP_MS;

const MAX_TS = 8.64e15;

/**
 * FundingPaid for each payment of the answer not yet recorded, oldest first. A payment that
 * does not fit the event's schema is not recorded: its error (naming the field and the value)
 * is returned with the others, which are recorded.
 */
export const fundingEvents = (
  accountId: string,
  payments: readonly FundingPayment[],
  log: FundingLog,
  since: number,
  meta: EventMeta,
): { readonly events: readonly NewEvent[]; readonly errors: readonly ValidationError[] } => {
  const events: NewEvent[] = [];
  const errors: ValidationError[] = [];
  const seen = new Set(Object.keys(log.recent));
  const fresh = [...payments]
    .filter((p) => !(p.venueAt < since))
    .sort(
      (a, b) =>
        a.venueAt - b.venueAt ||
        (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0) ||
        (a.fundingId < b.fundingId ? -1 : a.fundingId > b.fundingId ? 1 : 0),
    );
  for (const p of fresh) {
    const id = fundingEventId(accountId, p.symbol, p.fundingId);
    if (seen.has(id)) continue;
    seen.add(id);
    if (!Number.isSafeInteger(p.venueAt) || p.venueAt < 0 || p.venueAt > MAX_TS) {
      errors.push({
        _tag: 'ValidationError',
        path: '/data/venueAt',
        value: p.venueAt,
        message: `funding ${p.fundingId} of ${p.symbol}: venue time ${String(p.venueAt)} is not an epoch-ms time`,
      });
      continue;
    }
    const e = newEvent(
      'FundingPaid',
      id,
      {
        accountId,
        instrument: p.symbol,
        fundingId: p.fundingId,
        amount: p.amount.isZero() ? '0' : p.amount.toFixed(),
        asset: p.asset,
        venueAt: new Date(p.venueAt).toISOString(),
      },
      meta,
    );
    if (E.isLeft(e)) errors.push(e.left);
    else events.push(e.right);
  }
  return { events, errors };
};
