/**
 * The roll of one (account, root): which contract is the front, whether a roll is under way,
 * the desired exposure in the root (signed whole contracts, e.g. +3 ES) and the positions per
 * contract. Positions are observed (fills, venue snapshots); targets are what the decider last
 * asked for, so it only emits changes.
 *
 * Lifecycle: Unmapped → Holding(front) → Rolling(front, next) from the front's roll start →
 * Migrating(front, next) from its forced-roll date → Holding(next) once the front is flat.
 */
import type { DomainEvent, EventType } from '@keel/events';

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

/**
 * The roll's stored facts: the catalog's events as the domain sees them (`DomainEvent`, the
 * decoded payload plus `type` and `occurredAt`), complete as decided. The contract targets are
 * `ContractTargetSet`s (the `TargetReason` is the head of their `reason` text).
 */
export type RollCatalogEvent = DomainEvent<
  'ContractMapped' | 'RollScheduled' | 'RollCompleted' | 'DeliveryRiskAlert' | 'ContractTargetSet'
>;

/**
 * The roll's internal facts: never stored (they follow again from the date, the desired
 * exposure and the positions at every decision), named apart from the catalog's types.
 */
export type RollInternalFact =
  /** The desired exposure changed (signed whole contracts). */
  | { readonly type: 'ExposureSet'; readonly occurredAt: number; readonly qty: number }
  /** A full position snapshot of the root's contracts (absent = flat). */
  | {
      readonly type: 'PositionsObserved';
      readonly occurredAt: number;
      readonly positions: Readonly<Record<string, number>>;
    }
  /** The forced roll began: what is left in `fromContract` (`qty`) moves to `toContract`, linked. */
  | {
      readonly type: 'MigrationStarted';
      readonly occurredAt: number;
      readonly accountId: string;
      readonly root: string;
      readonly fromContract: string;
      readonly toContract: string;
      readonly qty: number;
      readonly linkId: string;
    }
  /** A position in a contract the calendar does not know: noted, never treated as rolled. */
  | {
      readonly type: 'UnknownContractSeen';
      readonly occurredAt: number;
      readonly accountId: string;
      readonly root: string;
      readonly contract: string;
      readonly position: number;
    };

/** An internal fact's name is never a catalog type (checked at compile time). */
type Disjoint<A extends string> = [Extract<A, EventType>] extends [never] ? true : never;
export const internalFactsAreNotCatalogTypes: Disjoint<RollInternalFact['type']> = true;

/** Everything the roll decider decides: catalog events and internal facts. */
export type RollEvent = RollCatalogEvent | RollInternalFact;

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
  const book: Book = { ...bookOf(s), lastAt: e.occurredAt };
  switch (e.type) {
    case 'ContractMapped':
      return { status: 'Holding', front: e.contract, ...book };
    case 'RollScheduled':
      return { status: 'Rolling', front: e.fromContract, next: e.toContract, ...book };
    case 'MigrationStarted':
      return { status: 'Migrating', front: e.fromContract, next: e.toContract, ...book };
    case 'RollCompleted':
      return { status: 'Holding', front: e.toContract, ...book };
    case 'ExposureSet':
      return { ...s, ...book, desired: e.qty };
    case 'PositionsObserved': {
      // An unknown contract that went flat may be reported again if it comes back.
      const reported = book.reported.filter((c) => (e.positions[c] ?? 0) !== 0);
      return { ...s, ...book, positions: e.positions, reported };
    }
    case 'ContractTargetSet':
      return { ...s, ...book, targets: { ...book.targets, [e.instrument]: e.targetQty.toNumber() } };
    case 'DeliveryRiskAlert':
      return { ...s, ...book, alerted: [...book.alerted, e.contract] };
    case 'UnknownContractSeen':
      return { ...s, ...book, reported: [...book.reported, e.contract] };
    default: {
      const never: never = e;
      return never;
    }
  }
};
