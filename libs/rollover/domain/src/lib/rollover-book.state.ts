/**
 * cme-rollover's state as a fold of the log: per (account, root) the roll decider's state
 * (`RollState`, roll.state.ts), rebuilt from catalog events only:
 *  - `TargetPositionSet` for `CME:<ROOT>` (the optimizer's exposure in the root) → `desired`, or,
 *    when it arrived (its `occurredAt`) while the root's market was closed, → `pending` until the
 *    next open (gap-aware: what a closed-market prediction led to is applied at the open);
 *  - `ContractTargetSet` written by this app (and, for logs written before it existed, its
 *    contract-level `TargetPositionSet`) → the decider's targets (and `seq`, how many targets were
 *    stored per contract: the cause of the next target's id);
 *  - `PositionReported` → positions per known contract; unknown contracts are kept apart;
 *  - `ContractMapped` / `RollScheduled` (per root) and `RollCompleted` / `DeliveryRiskAlert`
 *    (per account) → the roll's lifecycle.
 * The decider's internal facts (exposure set, migration started) are not stored: they follow
 * from the date and `desired` again at every decision, so nothing important lives in memory.
 */
import * as E from 'fp-ts/Either';
import { marketState } from '@keel/calendar';
import { EventType, NewEvent } from '@keel/events';
import { ContractCalendar, rootInstrument } from './roll.contracts';
import { initialState, RollState } from './roll.state';

export const APP = 'cme-rollover';

export interface RootBook {
  readonly roll: RollState;
  /** The optimizer's latest `CME:<ROOT>` target in force (decimal string); null: none yet. */
  readonly desired: string | null;
  /** A newer `CME:<ROOT>` target that arrived while the market was closed: it replaces `desired` from `effectiveAt` (epoch ms, the next open). */
  readonly pending: { readonly qty: string; readonly effectiveAt: number } | null;
  /** Contract targets this app stored, per contract. */
  readonly seq: Readonly<Record<string, number>>;
  /** Contracts of the root the calendar does not know (or fractional quantities), as last observed. */
  readonly unknown: Readonly<Record<string, string>>;
  /** The unknown contracts that appeared in the last snapshot (reported when it is reacted to). */
  readonly freshUnknown: readonly string[];
}

export interface RootMapping {
  readonly mapped: string | null;
  readonly scheduled: { readonly from: string; readonly to: string } | null;
}

export interface RolloverState {
  /** books[account][root] */
  readonly books: Readonly<Record<string, Readonly<Record<string, RootBook>>>>;
  /** The latest per-root mapping: a book that starts later begins from it. */
  readonly roots: Readonly<Record<string, RootMapping>>;
}

export const initialRolloverState: RolloverState = { books: {}, roots: {} };

const FOLDED = [
  'TargetPositionSet',
  'ContractTargetSet',
  'PositionReported',
  'ContractMapped',
  'RollScheduled',
  'RollCompleted',
  'DeliveryRiskAlert',
] as const;
type Folded = NewEvent<(typeof FOLDED)[number]>;
export const ROLLOVER_EVENT_TYPES: readonly EventType[] = FOLDED;
const isFolded = (e: NewEvent): e is Folded => (FOLDED as readonly string[]).includes(e.type);

export interface FoldConfig {
  readonly calendars: ReadonlyMap<string, ContractCalendar>;
  /** Owned accounts; empty = every account the optimizer sets a `CME:<ROOT>` target for. */
  readonly accounts: readonly string[];
  /**
   * When a `CME:<ROOT>` target that arrived at `at` applies (null: at once). Default
   * `arrivalGate` on the @keel/calendar hours; a replay of years the calendar does not cover
   * supplies the hours of its data (it must be pure like the rest of the fold).
   */
  readonly arrivalGate?: (root: string, at: number) => number | null;
}

/** Recorded events and this app's own pending writes alike. */
export type Foldable = NewEvent;

const MONTH_YEAR = /^[FGHJKMNQUVXZ]\d{1,2}$/;

/** The owned root a contract code belongs to (`GCZ5` → `GC`), longest root first (`MES` before `ES`). */
export const rootOfCode = (roots: readonly string[], code: string): string | null => {
  const candidates = roots.filter((r) => code.startsWith(r) && MONTH_YEAR.test(code.slice(r.length)));
  return candidates.sort((a, b) => b.length - a.length)[0] ?? null;
};

/**
 * When a `CME:<ROOT>` target that arrived at `at` may be acted on: null if the market was open
 * (at once), else the next open (epoch ms). Instants the calendar does not cover (before 2024,
 * after 2027: the 2013 replay) are not gated.
 */
export const arrivalGate = (root: string, at: number): number | null => {
  const st = marketState(root, at);
  return E.isLeft(st) || st.right.state === 'open' ? null : Date.parse(st.right.nextOpen);
};

/** The `CME:<ROOT>` exposure in force at `now`: the pending one from its open on. */
export const desiredAt = (b: Pick<RootBook, 'desired' | 'pending'>, now: number): string | null =>
  b.pending !== null && now >= b.pending.effectiveAt ? b.pending.qty : b.desired;

const bookFrom = (mapping: RootMapping | undefined): RootBook => {
  const roll: RollState =
    mapping?.mapped == null
      ? initialState
      : mapping.scheduled !== null && mapping.scheduled.from === mapping.mapped
        ? { ...initialState, status: 'Rolling', front: mapping.mapped, next: mapping.scheduled.to }
        : { ...initialState, status: 'Holding', front: mapping.mapped };
  return { roll, desired: null, pending: null, seq: {}, unknown: {}, freshUnknown: [] };
};

export const foldRollover =
  (config: FoldConfig) =>
  (s: RolloverState, e: Foldable): RolloverState => {
    if (!isFolded(e)) return s;
    const roots = [...config.calendars.keys()];
    const owned = (account: string): boolean =>
      config.accounts.length === 0 || config.accounts.includes(account);
    const book = (account: string, root: string): RootBook =>
      s.books[account]?.[root] ?? bookFrom(s.roots[root]);
    const put = (st: RolloverState, account: string, root: string, b: RootBook): RolloverState => ({
      ...st,
      books: { ...st.books, [account]: { ...st.books[account], [root]: b } },
    });
    const eachBookOf = (root: string, f: (b: RootBook) => RootBook): RolloverState['books'] =>
      Object.fromEntries(
        Object.entries(s.books).map(([a, bs]) => [
          a,
          Object.fromEntries(Object.entries(bs).map(([r, b]) => [r, r === root ? f(b) : b])),
        ]),
      );

    const ownContractTarget = (
      st: RolloverState,
      accountId: string,
      instrument: string,
      targetQty: string,
    ): RolloverState => {
      const contractRoot = rootOfCode(roots, instrument);
      if (contractRoot === null) return st;
      const b = st.books[accountId]?.[contractRoot] ?? bookFrom(st.roots[contractRoot]);
      return put(st, accountId, contractRoot, {
        ...b,
        roll: { ...b.roll, targets: { ...b.roll.targets, [instrument]: Number(targetQty) } },
        seq: { ...b.seq, [instrument]: (b.seq[instrument] ?? 0) + 1 },
      });
    };

    switch (e.type) {
      case 'TargetPositionSet': {
        const { accountId, instrument, targetQty } = e.data;
        if (!owned(accountId)) return s;
        const root = roots.find((r) => rootInstrument(r) === instrument);
        if (root !== undefined) {
          const b = book(accountId, root);
          const gate = (config.arrivalGate ?? arrivalGate)(root, Date.parse(e.occurredAt));
          return put(
            s,
            accountId,
            root,
            gate === null
              ? { ...b, desired: targetQty, pending: null }
              : { ...b, pending: { qty: targetQty, effectiveAt: gate } },
          );
        }
        // Contract targets this app wrote before ContractTargetSet existed.
        return e.producer === APP ? ownContractTarget(s, accountId, instrument, targetQty) : s;
      }
      case 'ContractTargetSet': {
        const { accountId, instrument, targetQty } = e.data;
        if (!owned(accountId) || e.producer !== APP) return s;
        return ownContractTarget(s, accountId, instrument, targetQty);
      }
      case 'PositionReported': {
        const { accountId } = e.data;
        if (!owned(accountId)) return s;
        let next = s;
        for (const root of roots) {
          const known = new Set(config.calendars.get(root)?.contracts.map((c) => c.code));
          const mine = e.data.positions.filter((p) => rootOfCode(roots, p.instrument) === root);
          const had = s.books[accountId]?.[root];
          // An account named in the settings gets its books at its first report, flat or not:
          // the root is then mapped to its front contract before any target, which the
          // optimizer needs to price `CME:<ROOT>` and so to set the first target at all.
          if (mine.length === 0 && had === undefined && config.accounts.length === 0) continue;
          const positions: Record<string, number> = {};
          const unknown: Record<string, string> = {};
          for (const p of mine) {
            const q = Number(p.qty);
            if (known.has(p.instrument) && Number.isInteger(q)) positions[p.instrument] = q;
            else if (q !== 0) unknown[p.instrument] = p.qty;
          }
          const b = had ?? bookFrom(s.roots[root]);
          const freshUnknown = Object.keys(unknown).filter((c) => !(c in b.unknown));
          // The decider's own unknown-contract report is replaced by the shell's (no catalog event fits).
          next = put(next, accountId, root, {
            ...b,
            roll: { ...b.roll, positions, reported: Object.keys(unknown) },
            unknown,
            freshUnknown,
          });
        }
        return next;
      }
      case 'ContractMapped': {
        const { root, contract } = e.data;
        if (!config.calendars.has(root)) return s;
        return {
          roots: { ...s.roots, [root]: { mapped: contract, scheduled: s.roots[root]?.scheduled ?? null } },
          books: eachBookOf(root, (b) =>
            b.roll.status === 'Unmapped'
              ? { ...b, roll: { ...b.roll, status: 'Holding', front: contract } }
              : b,
          ),
        };
      }
      case 'RollScheduled': {
        const { root, fromContract, toContract } = e.data;
        if (!config.calendars.has(root)) return s;
        return {
          roots: {
            ...s.roots,
            [root]: {
              mapped: s.roots[root]?.mapped ?? fromContract,
              scheduled: { from: fromContract, to: toContract },
            },
          },
          books: eachBookOf(root, (b) =>
            b.roll.status === 'Holding' && b.roll.front === fromContract
              ? { ...b, roll: { ...b.roll, status: 'Rolling', front: fromContract, next: toContract } }
              : b,
          ),
        };
      }
      case 'RollCompleted': {
        const { accountId, root, fromContract, toContract } = e.data;
        const b = s.books[accountId]?.[root];
        if (b === undefined || b.roll.status === 'Unmapped' || b.roll.front !== fromContract) return s;
        const { desired, positions, targets, alerted, reported } = b.roll;
        return put(s, accountId, root, {
          ...b,
          roll: {
            status: 'Holding',
            front: toContract,
            desired,
            positions,
            targets,
            alerted,
            reported,
            lastAt: null,
          },
        });
      }
      case 'DeliveryRiskAlert': {
        const { accountId, root, contract } = e.data;
        const b = s.books[accountId]?.[root];
        if (b === undefined || b.roll.alerted.includes(contract)) return s;
        return put(s, accountId, root, { ...b, roll: { ...b.roll, alerted: [...b.roll.alerted, contract] } });
      }
      default: {
        const never: never = e;
        return never;
      }
    }
  };
