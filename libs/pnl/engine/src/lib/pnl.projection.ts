/**
 * The PnL engine's state as a fold of the log, declared once: the live engine folds it, and
 * `keel replay balance-aggregator` folds the very same projection to check the engine's
 * snapshot, so the two can never drift. The state is the PnL ledger of @keel/pnl-domain
 * (every account's average-cost book per instrument, the last quote of every instrument at
 * every venue, and what the gateways listed), folded from OrderFilled, QuoteUpdated,
 * FundingPaid and InstrumentsListed, plus the checkpoints the last applied event produced
 * (what the engine stores as PnlUpdated).
 *
 * Version 3: the ledger keeps venues, listings and unconverted amounts (PnL in the right
 * units); a snapshot of version 2 is not read, the log is folded again from position 0.
 */
import { appSnapshotKey } from '@keel/events';
import { Projection } from '@keel/runtime';
import {
  emptyLedger,
  evolvePnl,
  PNL_INPUT_TYPES,
  PnlCheckpoint,
  PnlLedger,
  toPnlInput,
} from '@keel/pnl-domain';

/**
 * The engine's name: its durable consumer, its snapshot key and the producer of its events.
 * It is the balance-aggregator's, the process that runs it live (kept so that existing
 * snapshots, consumers and `producer` fields stay valid).
 */
export const PNL_ENGINE_NAME = 'balance-aggregator';

/** Where the engine's state is snapshotted in the store (`app:balance-aggregator`). */
export const PNL_SNAPSHOT_KEY = appSnapshotKey(PNL_ENGINE_NAME);

export interface PnlEngineState {
  readonly ledger: PnlLedger;
  /** The checkpoints the last applied event produced (what `react` stores). */
  readonly checkpoints: readonly PnlCheckpoint[];
}

export const pnlProjection: Projection<PnlEngineState> = {
  version: 3,
  initial: { ledger: emptyLedger(), checkpoints: [] },
  eventTypes: PNL_INPUT_TYPES,
  evolve: (state, event) => {
    const input = toPnlInput(event);
    if (input === null) return state.checkpoints.length === 0 ? state : { ...state, checkpoints: [] };
    const next = evolvePnl(state.ledger, input);
    return { ledger: next.ledger, checkpoints: next.checkpoints };
  },
};

const LEDGER = 'ledger' satisfies keyof PnlEngineState;

/**
 * The ledger of a stored snapshot of this engine, read as the JSON it was saved as; undefined
 * when the stored state is not shaped like one (a replay then reports the whole ledger as
 * differing rather than crash).
 */
export const snapshotLedger = (state: unknown): PnlLedger | undefined =>
  typeof state === 'object' && state !== null && LEDGER in state
    ? (state as PnlEngineState)[LEDGER]
    : undefined;
