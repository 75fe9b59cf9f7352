/**
 * The paper session's invariant "no position in a physically settled contract past its
 * cutoff", as a pure check over the positions a session observed. The cutoff is the one the
 * order path enforces: the gateway's delivery guard (libs/venue/engine delivery-guard.ts →
 * @keel/calendar `guardOrder`) refuses, from 00:00 CT of the contract's forced-roll date
 * (`contractForCode`, the calendar's default roll policy), any order that opens, increases or
 * flips a physical position; only reductions pass. cme-rollover migrates what is left from that
 * same midnight, worked within its target horizon. So a physical position:
 *  - that grows (opens, increases, flips) at or after the cutoff is a breach at once
 *    (`exposurePastCutoff`: the guard was bypassed);
 *  - that is still open `graceMs` after the cutoff is a breach (`heldPastCutoff`: the forced
 *    roll did not get it out; default grace: cme-rollover's default 900 s target horizon plus
 *    its 60 s decision tick).
 * Cash-settled contracts and non-CME symbols (crypto) have no delivery cutoff and are skipped. A
 * physical instrument whose code the calendar does not know is reported (`unknownContract`):
 * the guard refuses it too; it is never assumed safe.
 */
import Decimal from 'decimal.js';
import { chicagoInstant, contractForCode } from '@keel/calendar';

/** One observation of one position (a fill's result or a venue snapshot): `qty` signed contracts. */
export interface PositionObservation {
  readonly at: number;
  readonly instrument: string;
  readonly qty: string | number;
}

/** What the check needs of an instrument (`Instrument` or the settings' `InstrumentJson` both fit). */
export interface SettledInstrument {
  readonly symbol: string;
  readonly settlement: 'cash' | 'physical' | null;
}

export type DeliveryBreachKind = 'exposurePastCutoff' | 'heldPastCutoff' | 'unknownContract';

export interface DeliveryBreach {
  readonly kind: DeliveryBreachKind;
  readonly instrument: string;
  /** The first instant of the breach (session clock). */
  readonly at: number;
  /** The signed position at that instant. */
  readonly qty: string;
  /** 00:00 CT of the forced-roll date (null for an unknown contract). */
  readonly cutoff: number | null;
  readonly reason: string;
}

export interface DeliveryCheckOptions {
  /** The end of the session: a position still open then counts as held until it. */
  readonly until: number;
  /** How long after the cutoff a position may still be worked out (default 960 000 ms). */
  readonly graceMs?: number;
}

export const DEFAULT_DELIVERY_GRACE_MS = 900_000 + 60_000;

/** 00:00 CT of a physical contract's forced-roll date; null when cash-settled; undefined when unknown. */
export const deliveryCutoffOf = (code: string): number | null | undefined => {
  const c = contractForCode(code);
  if (c._tag !== 'Contract') return undefined;
  return c.contract.settlement === 'physical' ? chicagoInstant(c.contract.forcedRollDate, '00:00') : null;
};

const iso = (t: number): string => new Date(t).toISOString();

/**
 * Every breach of the invariant over a session's position observations (any order; sorted by
 * time here), one per instrument and kind, the first instant of each.
 */
export const deliveryCutoffBreaches = (
  observations: readonly PositionObservation[],
  instruments: readonly SettledInstrument[],
  o: DeliveryCheckOptions,
): readonly DeliveryBreach[] => {
  const grace = o.graceMs ?? DEFAULT_DELIVERY_GRACE_MS;
  const out: DeliveryBreach[] = [];
  for (const i of instruments) {
    if (i.settlement !== 'physical') continue;
    const obs = observations
      .filter((x) => x.instrument === i.symbol)
      .map((x) => ({ at: x.at, qty: new Decimal(x.qty) }))
      .sort((a, b) => a.at - b.at);
    const cutoff = deliveryCutoffOf(i.symbol);
    if (cutoff === undefined || cutoff === null) {
      // A physical instrument the calendar cannot date: any position in it is unguarded.
      const held = obs.find((x) => !x.qty.isZero());
      if (held)
        out.push({
          kind: 'unknownContract',
          instrument: i.symbol,
          at: held.at,
          qty: held.qty.toString(),
          cutoff: null,
          reason: `${i.symbol} is physically settled but the calendar has no ${cutoff === null ? 'physical ' : ''}contract of that code: its delivery cutoff is unknown`,
        });
      continue;
    }
    const heldFrom = cutoff + grace;
    let prev = new Decimal(0);
    let grew: DeliveryBreach | null = null;
    let held: DeliveryBreach | null = null;
    const holdBreach = (at: number, qty: Decimal): DeliveryBreach => ({
      kind: 'heldPastCutoff',
      instrument: i.symbol,
      at,
      qty: qty.toString(),
      cutoff,
      reason: `${qty.toString()} ${i.symbol} still held at ${iso(at)}, past its delivery cutoff ${iso(cutoff)} (+ ${grace / 1000} s to work it out)`,
    });
    for (const x of obs) {
      // The position held since the previous observation, over the grace's end.
      if (held === null && !prev.isZero() && x.at > heldFrom) held = holdBreach(heldFrom, prev);
      if (held === null && !x.qty.isZero() && x.at >= heldFrom) held = holdBreach(x.at, x.qty);
      const grows = !x.qty.isZero() && (prev.isZero() || x.qty.abs().gt(prev.abs()) || x.qty.s !== prev.s);
      if (grew === null && x.at >= cutoff && grows)
        grew = {
          kind: 'exposurePastCutoff',
          instrument: i.symbol,
          at: x.at,
          qty: x.qty.toString(),
          cutoff,
          reason: `${i.symbol} went from ${prev.toString()} to ${x.qty.toString()} at ${iso(x.at)}, on or after its delivery cutoff ${iso(cutoff)} (only reductions may trade then)`,
        };
      prev = x.qty;
    }
    if (held === null && !prev.isZero() && o.until > heldFrom) held = holdBreach(heldFrom, prev);
    if (grew) out.push(grew);
    if (held) out.push(held);
  }
  return out.sort((a, b) => a.at - b.at || a.instrument.localeCompare(b.instrument));
};
