/**
 * Exposure policy by market state, per account: how much of the desired exposure is held while
 * the market is closed (weekend, daily halt, holiday, after an early close), and how early the
 * reduction starts so that execution is done *before* the close — a position cannot be worked
 * down once the market has stopped trading.
 *
 * Pure: the instant arrives as `now` (epoch ms), the market state comes from `@keel/calendar`.
 * Multipliers are exact decimals (decimal.js), so `desired × multiplier` is not a float guess;
 * the result becomes whole contracts through `roundContracts` (hysteresis against the current
 * position, for micros and fractional multipliers).
 *
 * Arrivals (predictions, targets) while the market is closed are marked `closed` and become
 * effective at the next open; a newer pending arrival supersedes an older one (`admit`/`release`).
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { DEFAULT_HYSTERESIS, marketState, MarketStateName, roundContracts } from '@keel/calendar';
import { validationError, ValidationError } from '@keel/events';

/** The states between two sessions (everything but `open`). */
export type ClosedState = Exclude<MarketStateName, 'open'>;

export interface ExposurePolicy {
  /** Multiplier from the Friday close to the Sunday open (decimal string in [0, 1]). */
  readonly weekend: string;
  /** Multiplier over the Mon–Thu 16:00–17:00 halt. */
  readonly dailyHalt: string;
  /** Multiplier over a closed day or after an exchange holiday's early halt. */
  readonly holiday: string;
  /** Multiplier after an early close on a business day (day after Thanksgiving, Christmas Eve). */
  readonly earlyClose: string;
  /** Minutes before a close into a state with a lower multiplier from which that multiplier already applies. */
  readonly leadMinutes: number;
}

/** Flat over weekends, holidays and after early closes; held through the daily halt; 30 min lead. */
export const DEFAULT_EXPOSURE_POLICY: ExposurePolicy = {
  weekend: '0',
  dailyHalt: '1',
  holiday: '0',
  earlyClose: '0',
  leadMinutes: 30,
};

/**
 * Why the multiplier is what it is:
 *  - `open`: trading, no reduced close within the lead — the full exposure;
 *  - `lead`: trading, but a close into a lower multiplier is within `leadMinutes`: the lower one applies already;
 *  - `closed`: between sessions: the state's multiplier (execution waits for the open).
 */
export type ExposurePhase = 'open' | 'lead' | 'closed';

export interface EffectiveExposure {
  readonly phase: ExposurePhase;
  /** The market state at `now`. */
  readonly state: MarketStateName;
  /** The state whose multiplier is in force (`open`, or the closed state ahead/now). */
  readonly governedBy: MarketStateName;
  /** Exact decimal string. */
  readonly multiplier: string;
  /** desired × multiplier, exact decimal string (may be fractional). */
  readonly target: string;
  /** Whole contracts to hold: `target` rounded with hysteresis against `current`. */
  readonly contracts: number;
  /** Whether orders can be worked now (the market is open). */
  readonly tradable: boolean;
  /** Epoch ms of the next close (when open) or of the next open (when closed). */
  readonly nextChangeAt: number;
}

const MULTIPLIER_KEYS: readonly ClosedState[] = ['weekend', 'dailyHalt', 'holiday', 'earlyClose'];

const parseMultiplier = (key: string, v: string): E.Either<ValidationError, Decimal> => {
  try {
    const d = new Decimal(v);
    if (!d.isFinite() || d.lt(0) || d.gt(1))
      return E.left(validationError(`policy/${key}`, v, 'must be a decimal in [0, 1]'));
    return E.right(d);
  } catch {
    return E.left(validationError(`policy/${key}`, v, 'must be a decimal in [0, 1]'));
  }
};

/** Checks a policy: multipliers decimal strings in [0, 1], lead whole minutes in [0, 24 h). */
export const validatePolicy = (
  p: ExposurePolicy,
): E.Either<ValidationError, Readonly<Record<ClosedState, Decimal>>> => {
  const out: Partial<Record<ClosedState, Decimal>> = {};
  for (const k of MULTIPLIER_KEYS) {
    const m = parseMultiplier(k, p[k]);
    if (E.isLeft(m)) return m;
    out[k] = m.right;
  }
  if (!Number.isInteger(p.leadMinutes) || p.leadMinutes < 0 || p.leadMinutes >= 24 * 60)
    return E.left(validationError('policy/leadMinutes', p.leadMinutes, 'must be whole minutes in [0, 1440)'));
  return E.right(out as Record<ClosedState, Decimal>);
};

export interface ExposureOptions {
  /** The current whole position in the root (for the hysteresis); 0 if unknown. */
  readonly current?: number;
  readonly hysteresis?: number;
}

/**
 * The exposure in force at `now` for a desired exposure (signed contracts, may be fractional),
 * *including the lead*: when the market is open and its next close leads into a state with a
 * lower multiplier within `leadMinutes`, that multiplier applies already.
 */
export const effectiveExposure = (
  policy: ExposurePolicy,
  root: string,
  desired: number | string,
  now: number,
  options: ExposureOptions = {},
): E.Either<ValidationError, EffectiveExposure> => {
  const ms = validatePolicy(policy);
  if (E.isLeft(ms)) return ms;
  const mult = ms.right;
  let want: Decimal;
  try {
    want = new Decimal(desired);
  } catch {
    return E.left(validationError('desired', desired, 'must be a decimal number of contracts'));
  }
  if (!want.isFinite())
    return E.left(validationError('desired', desired, 'must be a decimal number of contracts'));
  const st = marketState(root, now);
  if (E.isLeft(st)) return st;
  const state = st.right.state;

  let phase: ExposurePhase;
  let governedBy: MarketStateName;
  let multiplier: Decimal;
  let nextChangeAt: number;
  if (state !== 'open') {
    phase = 'closed';
    governedBy = state;
    multiplier = mult[state];
    nextChangeAt = Date.parse(st.right.nextOpen);
  } else {
    const close = Date.parse(st.right.nextClose);
    nextChangeAt = close;
    phase = 'open';
    governedBy = 'open';
    multiplier = new Decimal(1);
    if (close - now <= policy.leadMinutes * 60_000) {
      // The state right after this session's close.
      const after = marketState(root, close);
      if (E.isLeft(after)) return after;
      const ahead = after.right.state;
      if (ahead !== 'open' && mult[ahead].lt(1)) {
        phase = 'lead';
        governedBy = ahead;
        multiplier = mult[ahead];
      }
    }
  }
  const target = want.times(multiplier);
  const whole = roundContracts(
    target.toNumber(),
    options.current ?? 0,
    options.hysteresis ?? DEFAULT_HYSTERESIS,
  );
  if (E.isLeft(whole)) return whole;
  return E.right({
    phase,
    state,
    governedBy,
    multiplier: multiplier.toFixed(),
    target: target.toFixed(),
    contracts: whole.right,
    tradable: state === 'open',
    nextChangeAt,
  });
};

// ---------------------------------------------------------------------------------------------
// Arrivals while the market is closed.

/** A prediction or target as received, with when it may be acted on. */
export interface GatedArrival<T> {
  readonly value: T;
  readonly receivedAt: number;
  /** True when it arrived while the market was closed: it waits for the open. */
  readonly closed: boolean;
  /** The market state at arrival. */
  readonly arrivalState: MarketStateName;
  /** Epoch ms from which it applies: `receivedAt` when open, else the next open. */
  readonly effectiveAt: number;
}

/** Marks an arrival `closed` (and when it becomes effective) from the market state at `receivedAt`. */
export const gateArrival = <T>(
  root: string,
  value: T,
  receivedAt: number,
): E.Either<ValidationError, GatedArrival<T>> => {
  const st = marketState(root, receivedAt);
  if (E.isLeft(st)) return st;
  const open = st.right.state === 'open';
  return E.right({
    value,
    receivedAt,
    closed: !open,
    arrivalState: st.right.state,
    effectiveAt: open ? receivedAt : Date.parse(st.right.nextOpen),
  });
};

/** At most one arrival waits for the open: the newest. */
export interface ArrivalGate<T> {
  readonly pending: GatedArrival<T> | null;
}

export const emptyGate = <T>(): ArrivalGate<T> => ({ pending: null });

/**
 * Offers an arrival to the gate. An arrival older than the pending one is dropped (`stale`);
 * otherwise it supersedes the pending one. An arrival while open is due at once (and clears
 * whatever was pending, which it supersedes); one while closed is held until its open.
 */
export const admit = <T>(
  gate: ArrivalGate<T>,
  arrival: GatedArrival<T>,
): {
  readonly gate: ArrivalGate<T>;
  readonly due: GatedArrival<T> | null;
  readonly stale: boolean;
  readonly superseded: GatedArrival<T> | null;
} => {
  if (gate.pending !== null && arrival.receivedAt < gate.pending.receivedAt)
    return { gate, due: null, stale: true, superseded: null };
  const superseded = gate.pending;
  if (!arrival.closed) return { gate: { pending: null }, due: arrival, stale: false, superseded };
  return { gate: { pending: arrival }, due: null, stale: false, superseded };
};

/** Releases the pending arrival once `now` has reached its open. */
export const release = <T>(
  gate: ArrivalGate<T>,
  now: number,
): { readonly gate: ArrivalGate<T>; readonly due: GatedArrival<T> | null } =>
  gate.pending !== null && now >= gate.pending.effectiveAt
    ? { gate: { pending: null }, due: gate.pending }
    : { gate, due: null };
