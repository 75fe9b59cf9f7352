/**
 * The roll of one (account, root): which contract is the front, whether a roll is under way,
 * the desired exposure in the root (signed whole contracts, e.g. +3 ES) and the positions per
 * contract. Positions are observed (fills, venue snapshots); targets are what the decider last
 * asked for, so it only emits changes.
 *
 * Lifecycle: Unmapped → Holding(front) → Rolling(front, next) from the front's roll start →
 * Migrating(front, next) from its forced-roll date → Holding(next) once the front is flat.
 */
import type { LocalDate } from '@keel/calendar';

/** Why a target was set. */
export type TargetReason =
  /** The front contract carries the exposure (no roll under way). */
  | 'exposure'
  /** Roll window: new exposure goes into the next contract; the expiring one only shrinks. */
  | 'rollNew'
  /** Forced roll: the expiring position is migrated (old → 0, next → the exposure), linked. */
  | 'migration'
  /** A position in a known contract that is neither front nor next: flattened, its exposure rebuilt in the front. */
  | 'outOfCycle';

export type RollEvent =
  | {
      readonly type: 'ContractMapped';
      readonly data: {
        readonly accountId: string;
        readonly root: string;
        readonly symbol: string;
        readonly contract: string;
        readonly effectiveAt: number;
      };
    }
  | {
      readonly type: 'RollScheduled';
      readonly data: {
        readonly accountId: string;
        readonly root: string;
        readonly fromContract: string;
        readonly toContract: string;
        readonly rollStartDate: LocalDate;
        readonly forcedRollDate: LocalDate;
        readonly at: number;
      };
    }
  | {
      readonly type: 'RollMigrationStarted';
      readonly data: {
        readonly accountId: string;
        readonly root: string;
        readonly fromContract: string;
        readonly toContract: string;
        readonly qty: number;
        readonly linkId: string;
        readonly at: number;
      };
    }
  | {
      readonly type: 'RollCompleted';
      readonly data: {
        readonly accountId: string;
        readonly root: string;
        readonly fromContract: string;
        readonly toContract: string;
        readonly at: number;
      };
    }
  | { readonly type: 'ExposureSet'; readonly data: { readonly qty: number; readonly at: number } }
  | {
      readonly type: 'PositionsObserved';
      readonly data: { readonly positions: Readonly<Record<string, number>>; readonly at: number };
    }
  | {
      readonly type: 'RollTargetSet';
      readonly data: {
        readonly accountId: string;
        readonly contract: string;
        readonly targetQty: number;
        readonly reason: TargetReason;
        readonly linkId: string | null;
        readonly at: number;
      };
    }
  | {
      readonly type: 'DeliveryRiskAlert';
      readonly data: {
        readonly accountId: string;
        readonly root: string;
        readonly contract: string;
        readonly position: number;
        readonly firstNoticeDate: LocalDate | null;
        readonly lastTradeDate: LocalDate;
        readonly date: LocalDate;
        readonly at: number;
      };
    }
  /** A position in a contract the calendar does not know: reported, never treated as rolled. */
  | {
      readonly type: 'UnknownContractReported';
      readonly data: {
        readonly accountId: string;
        readonly root: string;
        readonly contract: string;
        readonly position: number;
        readonly at: number;
      };
    };

export interface Book {
  /** Desired exposure in the root, signed whole contracts. */
  readonly desired: number;
  /** Last observed position per contract code (a full snapshot for the root). */
  readonly positions: Readonly<Record<string, number>>;
  /** Last target asked for per contract code. */
  readonly targets: Readonly<Record<string, number>>;
  /** The instant of the last event; commands may not go back before it. */
  readonly lastAt: number | null;
  /** Contracts already alerted for delivery risk (once each). */
  readonly alerted: readonly string[];
  /** Unknown contracts already reported (again only after the position went away and came back). */
  readonly reported: readonly string[];
}

export type RollState =
  | ({ readonly status: 'Unmapped' } & Book)
  | ({ readonly status: 'Holding'; readonly front: string } & Book)
  | ({ readonly status: 'Rolling' | 'Migrating'; readonly front: string; readonly next: string } & Book);

export const initialState: RollState = {
  status: 'Unmapped',
  desired: 0,
  positions: {},
  targets: {},
  lastAt: null,
  alerted: [],
  reported: [],
};

export const positionIn = (s: Book, code: string): number => s.positions[code] ?? 0;

const bookOf = (s: RollState): Book => ({
  desired: s.desired,
  positions: s.positions,
  targets: s.targets,
  lastAt: s.lastAt,
  alerted: s.alerted,
  reported: s.reported,
});

export const evolve = (s: RollState, e: RollEvent): RollState => {
  const at = 'effectiveAt' in e.data ? e.data.effectiveAt : e.data.at;
  const book: Book = { ...bookOf(s), lastAt: at };
  switch (e.type) {
    case 'ContractMapped':
      return { status: 'Holding', front: e.data.contract, ...book };
    case 'RollScheduled':
      return { status: 'Rolling', front: e.data.fromContract, next: e.data.toContract, ...book };
    case 'RollMigrationStarted':
      return { status: 'Migrating', front: e.data.fromContract, next: e.data.toContract, ...book };
    case 'RollCompleted':
      return { status: 'Holding', front: e.data.toContract, ...book };
    case 'ExposureSet':
      return { ...s, ...book, desired: e.data.qty };
    case 'PositionsObserved': {
      // An unknown contract that went flat may be reported again if it comes back.
      const reported = book.reported.filter((c) => (e.data.positions[c] ?? 0) !== 0);
      return { ...s, ...book, positions: e.data.positions, reported };
    }
    case 'RollTargetSet':
      return { ...s, ...book, targets: { ...book.targets, [e.data.contract]: e.data.targetQty } };
    case 'DeliveryRiskAlert':
      return { ...s, ...book, alerted: [...book.alerted, e.data.contract] };
    case 'UnknownContractReported':
      return { ...s, ...book, reported: [...book.reported, e.data.contract] };
    default: {
      const never: never = e;
      return never;
    }
  }
};
