/**
 * Backfill against live: fold the log with the PnL fold from position 0 and compare every
 * checkpoint it produces with the PnlUpdated event the live balance-aggregator stored for it,
 * field by field, in order. The first difference names the event it follows. Checkpoints
 * past the live app's last PnlUpdated are not compared (the live app may lag); the report
 * says how many were compared. Both sides stream: constant memory.
 */
import { RecordedEvent } from '@keel/events';
import { createBackfill, PnlCheckpoint, PnlInput } from '@keel/pnl-domain';
import { eventPages, LogSource } from './log.source';
import { pnlInputPages, UndecodableEventError } from './pnl.backfill';

export interface CheckpointMismatch {
  /** The event the checkpoint follows. */
  readonly event: { readonly position: number; readonly type: string };
  readonly rebuilt: PnlCheckpoint | null;
  readonly live: PnlCheckpoint | null;
}

export interface PnlVerifyResult {
  readonly compared: number;
  readonly liveCheckpoints: number;
  readonly match: boolean;
  readonly firstMismatch: CheckpointMismatch | null;
}

const KIND_TYPE: Record<PnlInput['type'], string> = {
  fill: 'OrderFilled',
  quote: 'QuoteUpdated',
  funding: 'FundingPaid',
  listing: 'InstrumentsListed',
};

const same = (a: PnlCheckpoint, b: PnlCheckpoint): boolean =>
  JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());

export const verifyPnlCheckpoints = async (
  source: LogSource,
  o: { readonly upToPosition?: number } = {},
): Promise<PnlVerifyResult> => {
  const head = await source.head();
  const upTo = Math.min(o.upToPosition ?? head, head);
  // Both sides stream in order (the live app applies events in log order and stores each
  // event's checkpoints before the next): memory stays constant however long the log.
  const liveIter = eventPages(source, ['PnlUpdated'], 0, upTo)[Symbol.asyncIterator]();
  let livePage: readonly RecordedEvent[] = [];
  let liveAt = 0;
  let liveDone = false;
  let liveCount = 0;
  const nextLive = async (): Promise<PnlCheckpoint | null> => {
    while (liveAt >= livePage.length) {
      if (liveDone) return null;
      const r = await liveIter.next();
      if (r.done) {
        liveDone = true;
        return null;
      }
      livePage = r.value;
      liveAt = 0;
    }
    liveCount++;
    return (livePage[liveAt++] as RecordedEvent<'PnlUpdated'>).data;
  };

  let pending: { c: PnlCheckpoint; kind: PnlInput['type'] }[] = [];
  let kind: PnlInput['type'] = 'quote';
  const fold = createBackfill({
    intervalMs: 86_400_000,
    onRow: () => undefined,
    onCheckpoint: (c) => pending.push({ c, kind }),
  });
  const reject = (r: { position: number; type: string; message: string }): void => {
    throw new UndecodableEventError(r);
  };
  let compared = 0;
  const mismatch = (
    r: { c: PnlCheckpoint; kind: PnlInput['type'] } | null,
    l: PnlCheckpoint | null,
  ): PnlVerifyResult => {
    const at =
      r !== null && (l === null || r.c.asOfPosition <= l.asOfPosition)
        ? { position: r.c.asOfPosition, type: KIND_TYPE[r.kind] }
        : { position: l!.asOfPosition, type: 'unknown' };
    return {
      compared,
      liveCheckpoints: liveCount,
      match: false,
      firstMismatch: { event: at, rebuilt: r?.c ?? null, live: l },
    };
  };
  for await (const page of pnlInputPages(source, { upTo, reject })) {
    for (const input of page.inputs) {
      kind = input.type;
      fold.push(input);
    }
    for (const r of pending) {
      const l = await nextLive();
      // The live app stops here (it lags, or was stopped): nothing further to compare.
      if (l === null) return { compared, liveCheckpoints: liveCount, match: true, firstMismatch: null };
      if (!same(r.c, l)) return mismatch(r, l);
      compared++;
    }
    pending = [];
  }
  // Live checkpoints the log does not give.
  const extra = await nextLive();
  if (extra !== null) return mismatch(null, extra);
  return { compared, liveCheckpoints: liveCount, match: true, firstMismatch: null };
};
