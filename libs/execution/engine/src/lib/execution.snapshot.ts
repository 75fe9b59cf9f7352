/**
 * Execution's aggregates as snapshots (the command handler's `snapshots`): an aggregate of one
 * (account, instrument) lives as long as the account trades it, and folding its whole stream at
 * every start would cost more the longer it has traded. The state holds decimals (positions,
 * prices, fees, the instrument's rules), which JSON would turn into strings; they are kept as
 * `{ "$decimal": "…" }` and restored exactly, and a non-finite number as `{ "$number": "…" }`.
 */
import Decimal from 'decimal.js';
import type { Held } from './execution.context';

/**
 * The snapshot schema of `Held`. Bump it whenever Held, ExecutionAggregate or ParentOrderState
 * change shape: a snapshot of another version is ignored and the stream folded from its start.
 * 2: ParentOrderState Completed gained `supersededBy`.
 */
export const HELD_SNAPSHOT_VERSION = 2;

const DECIMAL = '$decimal';
const NUMBER = '$number';

/** A value as plain JSON, decimals and non-finite numbers tagged. */
export const toSnapshotJson = (v: unknown): unknown => {
  if (Decimal.isDecimal(v)) return { [DECIMAL]: v.toString() };
  if (typeof v === 'number') return Number.isFinite(v) ? v : { [NUMBER]: String(v) };
  if (Array.isArray(v)) return v.map(toSnapshotJson);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toSnapshotJson(x);
    return out;
  }
  return v;
};

/** The value `toSnapshotJson` was given (fields that were undefined are absent). */
export const fromSnapshotJson = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(fromSnapshotJson);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && typeof o[DECIMAL] === 'string') return new Decimal(o[DECIMAL]);
  if (keys.length === 1 && typeof o[NUMBER] === 'string') return Number(o[NUMBER]);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = fromSnapshotJson(o[k]);
  return out;
};

/** A snapshot back as the aggregate of `stream`, or null when it is not one (folded from the start). */
export const heldFromSnapshot = (json: unknown, stream: string): Held | null => {
  try {
    const h = fromSnapshotJson(json) as Partial<Held> | null;
    const ok =
      h !== null &&
      typeof h === 'object' &&
      h.agg?.stream === stream &&
      typeof h.agg.state?.status === 'string' &&
      (h.lastTaken === null || typeof h.lastTaken === 'string') &&
      typeof h.started === 'number';
    return ok ? (h as Held) : null;
  } catch {
    // A decimal that does not parse: not a snapshot this code wrote.
    return null;
  }
};
