/**
 * Backfill against live: fold the log with the PnL fold from position 0 and compare every
 * checkpoint it produces with the PnlUpdated event the live balance-aggregator stored for it,
 * field by field, in order. The first difference names the event it follows. Checkpoints
 * past the live app's last PnlUpdated are not compared (the live app may lag); the report
 * says how many were compared.
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

const KIND_TYPE: Record<PnlInput['kind'], string> = { fill: 'OrderFilled', quote: 'QuoteUpdated', funding: 'FundingPaid' };

const same = (a: PnlCheckpoint, b: PnlCheckpoint): boolean => JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());

export const verifyPnlCheckpoints = async (source: LogSource, o: { readonly upToPosition?: number } = {}): Promise<PnlVerifyResult> => {
  const head = await source.head();
  const upTo = Math.min(o.upToPosition ?? head, head);
  // The live checkpoints, in the order they were stored (the app applies events in log order).
  const live: RecordedEvent<'PnlUpdated'>[] = [];
  for await (const page of eventPages(source, ['PnlUpdated'], 0, upTo)) live.push(...(page as RecordedEvent<'PnlUpdated'>[]));
  const lastLive = live.length > 0 ? Math.max(...live.map((e) => e.data.asOfPosition)) : 0;

  const rebuilt: { c: PnlCheckpoint; kind: PnlInput['kind'] }[] = [];
  let kind: PnlInput['kind'] = 'quote';
  const fold = createBackfill({ intervalMs: 86_400_000, onRow: () => undefined, onCheckpoint: (c) => rebuilt.push({ c, kind }) });
  const reject = (r: { position: number; type: string; message: string }): void => {
    throw new UndecodableEventError(r);
  };
  for await (const page of pnlInputPages(source, { upTo: Math.min(upTo, lastLive), reject })) {
    for (const input of page.inputs) {
      kind = input.kind;
      fold.push(input);
    }
  }
  const n = Math.max(rebuilt.length, live.length);
  for (let i = 0; i < n; i++) {
    const r = rebuilt[i];
    const l = live[i]?.data ?? null;
    if (r !== undefined && l !== null && same(r.c, l)) continue;
    const at = r !== undefined && (l === null || r.c.asOfPosition <= l.asOfPosition) ? { position: r.c.asOfPosition, type: KIND_TYPE[r.kind] } : { position: l!.asOfPosition, type: 'unknown' };
    return { compared: i, liveCheckpoints: live.length, match: false, firstMismatch: { event: at, rebuilt: r?.c ?? null, live: l } };
  }
  return { compared: n, liveCheckpoints: live.length, match: true, firstMismatch: null };
};
