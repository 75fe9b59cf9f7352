/**
 * balance-aggregator as a folding app: the live producer of PnlUpdated. Its state is the PnL
 * ledger of @keel/pnl-domain (every account's average-cost book per instrument and the last
 * quote of every instrument), folded from OrderFilled, QuoteUpdated and FundingPaid; each
 * event's checkpoints are stored as PnlUpdated in `pnl-<account>`. The event's own time
 * (`occurredAt`) dates a checkpoint, and its id derives from the event, so a replay or a
 * restart re-derives the very same events (`keel replay balance-aggregator` checks that).
 */
import * as E from 'fp-ts/Either';
import { describeError, NewEvent, RecordedEvent } from '@keel/events';
import { FoldingApp, Projection, Write } from '@keel/runtime';
import { emptyLedger, evolvePnl, PNL_INPUT_TYPES, PnlCheckpoint, PnlLedger, pnlStream, pnlUpdatedEvent, toPnlInput } from '@keel/pnl-domain';

export const APP_NAME = 'balance-aggregator';

export interface PnlAppState {
  readonly ledger: PnlLedger;
  /** The checkpoints the last applied event produced (what `react` stores). */
  readonly checkpoints: readonly PnlCheckpoint[];
}

export const pnlProjection: Projection<PnlAppState> = {
  version: 2,
  initial: { ledger: emptyLedger(), checkpoints: [] },
  eventTypes: PNL_INPUT_TYPES,
  evolve: (state, event) => {
    const input = toPnlInput(event);
    if (input === null) return state.checkpoints.length === 0 ? state : { ...state, checkpoints: [] };
    const next = evolvePnl(state.ledger, input);
    return { ledger: next.ledger, checkpoints: next.checkpoints };
  },
};

/** The PnlUpdated writes of one applied event: one append per account. */
export const checkpointWrites = (event: RecordedEvent, checkpoints: readonly PnlCheckpoint[]): readonly Write[] => {
  const byStream = new Map<string, NewEvent[]>();
  for (const c of checkpoints) {
    const stream = pnlStream(c.accountId);
    const e = pnlUpdatedEvent(event.eventId, c, {
      correlationId: event.correlationId,
      causationId: event.eventId,
      producer: APP_NAME,
      occurredAt: event.occurredAt,
    });
    // The fold only builds valid figures from valid events; a failure here is a bug worth a crash.
    if (E.isLeft(stream)) throw new Error(describeError(stream.left));
    if (E.isLeft(e)) throw new Error(describeError(e.left));
    byStream.set(stream.right, [...(byStream.get(stream.right) ?? []), e.right]);
  }
  return [...byStream].map(([stream, events]) => ({ stream, expected: 'any', events }));
};

export const pnlApp: FoldingApp<PnlAppState> = {
  name: APP_NAME,
  projection: pnlProjection,
  react: (event, state) => checkpointWrites(event, state.checkpoints),
};
