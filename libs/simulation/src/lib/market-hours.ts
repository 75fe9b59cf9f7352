/**
 * Market hours of a simulated CME root: the exchange calendar's (@keel/calendar, 2024–2027,
 * what the engines use by default), or sessions read from recorded data for years the
 * calendar does not cover (the 2013 ES bars). The latter are handed to the engines as their
 * `hours` / `marketOpen` settings, so the rollover and execution engines decide on the data's
 * hours the way they decide on the calendar's.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import {
  addDays,
  chicagoDateOf,
  DEFAULT_HYSTERESIS,
  productSpec,
  roundContracts,
  sessionsBetween,
} from '@keel/calendar';
import { MarketOpen } from '@keel/execution-domain';
import { RolloverHours } from '@keel/rollover-engine';
import { SessionWindow } from './bars';

/** The exchange calendar's sessions of a root around [from, to] (@keel/calendar, 2024–2027). */
export const calendarSessions = (
  root: string,
  from: number,
  to: number,
): E.Either<string, readonly SessionWindow[]> => {
  const spec = productSpec(root);
  if (spec === undefined) return E.left(`root ${root} has no product spec`);
  return E.right(
    sessionsBetween(spec.group, addDays(chicagoDateOf(from), -1), addDays(chicagoDateOf(to), 2)).map((s) => ({
      open: s.open,
      close: s.close,
    })),
  );
};

/** Whether `t` is in a session, and when that changes next (null: never within the windows). */
export const sessionAt = (
  ws: readonly SessionWindow[],
  t: number,
): { readonly open: boolean; readonly nextChange: number | null } => {
  for (const w of ws) {
    if (t < w.open) return { open: false, nextChange: w.open };
    if (t < w.close) return { open: true, nextChange: w.close };
  }
  return { open: false, nextChange: null };
};

export interface RecordedHours {
  /** For the rollover engine (`hours`). */
  readonly rollover: RolloverHours;
  /** For the execution engine (`marketOpen`): the root's contracts follow the sessions. */
  readonly marketOpen: MarketOpen;
}

/**
 * Hours read from the data: tradable inside a recorded session; the exposure is held through
 * every closure (multiplier 1: the data does not say whether a pause is a halt, a weekend or a
 * holiday, and it is reported as `dailyHalt`, the one closed state whose default multiplier is
 * 1); a `CME:<ROOT>` target that arrives while closed applies at the next open. `to` bounds
 * the last change when no session follows.
 */
export const recordedHours = (
  ws: readonly SessionWindow[],
  contracts: readonly string[],
  to: number,
): RecordedHours => ({
  rollover: {
    exposureAt: () => (desired, now, current) => {
      const s = sessionAt(ws, now);
      const whole = roundContracts(Number(desired), current, DEFAULT_HYSTERESIS);
      if (E.isLeft(whole)) return whole;
      return E.right({
        phase: s.open ? 'open' : 'closed',
        state: s.open ? 'open' : 'dailyHalt',
        governedBy: s.open ? 'open' : 'dailyHalt',
        multiplier: '1',
        target: new Decimal(desired).toFixed(),
        contracts: whole.right,
        tradable: s.open,
        nextChangeAt: s.nextChange ?? Math.max(to, now + 1000),
      });
    },
    arrivalGate: (_root, at) => {
      const s = sessionAt(ws, at);
      return s.open ? null : s.nextChange;
    },
  },
  marketOpen: (symbol, now) => (contracts.includes(symbol) ? sessionAt(ws, now).open : null),
});
