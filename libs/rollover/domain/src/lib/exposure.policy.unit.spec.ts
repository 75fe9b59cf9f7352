import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { marketState } from '@keel/calendar';
import {
  admit,
  DEFAULT_EXPOSURE_POLICY,
  effectiveExposure,
  emptyGate,
  ExposurePolicy,
  gateArrival,
  GatedArrival,
  release,
} from './exposure.policy';
import { ct } from '../testing/roll.fixtures';

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
const P = DEFAULT_EXPOSURE_POLICY;
const at = (
  date: string,
  time: string,
  desired: number | string = 4,
  policy: ExposurePolicy = P,
  current = 0,
) => right(effectiveExposure(policy, 'GC', desired, ct(date, time), { current }));

describe('effectiveExposure (GC, default policy: weekend 0, holiday 0, early close 0, daily halt 1, lead 30 min)', () => {
  describe('given a regular week', () => {
    it('holds the full exposure while open', () => {
      expect(at('2025-11-05', '10:00')).toMatchObject({
        phase: 'open',
        state: 'open',
        multiplier: '1',
        target: '4',
        contracts: 4,
        tradable: true,
      });
    });
    it('keeps it through the daily halt (multiplier 1): no lead before a 16:00 Mon–Thu close', () => {
      expect(at('2025-11-10', '15:45')).toMatchObject({ phase: 'open', contracts: 4 });
      expect(at('2025-11-10', '16:30')).toMatchObject({
        phase: 'closed',
        state: 'dailyHalt',
        contracts: 4,
        tradable: false,
        nextChangeAt: ct('2025-11-10', '17:00'),
      });
    });
    it('goes flat 30 minutes before the Friday close, not a minute earlier', () => {
      expect(at('2025-11-07', '15:29')).toMatchObject({ phase: 'open', contracts: 4 });
      expect(at('2025-11-07', '15:30')).toMatchObject({
        phase: 'lead',
        state: 'open',
        governedBy: 'weekend',
        multiplier: '0',
        contracts: 0,
        tradable: true,
        nextChangeAt: ct('2025-11-07', '16:00'),
      });
    });
    it('stays flat over the weekend and is back at the Sunday open', () => {
      expect(at('2025-11-08', '12:00')).toMatchObject({
        phase: 'closed',
        state: 'weekend',
        contracts: 0,
        nextChangeAt: ct('2025-11-09', '17:00'),
      });
      expect(at('2025-11-09', '16:59')).toMatchObject({ state: 'weekend', contracts: 0 });
      expect(at('2025-11-09', '17:00')).toMatchObject({ phase: 'open', contracts: 4 });
    });
    it('applies shorts symmetrically', () => {
      expect(at('2025-11-07', '15:45', -3)).toMatchObject({ contracts: 0 });
      expect(at('2025-11-07', '10:00', -3)).toMatchObject({ contracts: -3 });
    });
  });

  describe('given Thanksgiving 2025 (Thu halt 12:00, Fri early close 12:45)', () => {
    it('leads into the holiday halt and reopens at 17:00 for Friday', () => {
      expect(at('2025-11-27', '11:29')).toMatchObject({ phase: 'open', contracts: 4 });
      expect(at('2025-11-27', '11:30')).toMatchObject({ phase: 'lead', governedBy: 'holiday', contracts: 0 });
      expect(at('2025-11-27', '14:00')).toMatchObject({
        phase: 'closed',
        state: 'holiday',
        contracts: 0,
        nextChangeAt: ct('2025-11-27', '17:00'),
      });
      expect(at('2025-11-27', '17:00')).toMatchObject({ phase: 'open', contracts: 4 });
    });
    it('leads into the early close and stays flat until Sunday', () => {
      expect(at('2025-11-28', '12:14')).toMatchObject({ phase: 'open', contracts: 4 });
      expect(at('2025-11-28', '12:15')).toMatchObject({
        phase: 'lead',
        governedBy: 'earlyClose',
        contracts: 0,
      });
      expect(at('2025-11-29', '10:00')).toMatchObject({
        phase: 'closed',
        state: 'earlyClose',
        contracts: 0,
        nextChangeAt: ct('2025-11-30', '17:00'),
      });
    });
  });

  describe('given fractional multipliers', () => {
    const half: ExposurePolicy = { ...P, dailyHalt: '0.5', weekend: '0.1' };
    it('computes desired × multiplier exactly (no float residue)', () => {
      expect(at('2025-11-08', '12:00', 3, half)).toMatchObject({
        multiplier: '0.1',
        target: '0.3',
        contracts: 0,
      });
      expect(at('2025-11-08', '12:00', '0.7', half)).toMatchObject({ target: '0.07' });
    });
    it('leads into a reduced daily halt too, rounding with hysteresis against the current position', () => {
      expect(at('2025-11-10', '15:45', 3, half, 3)).toMatchObject({
        phase: 'lead',
        governedBy: 'dailyHalt',
        target: '1.5',
        contracts: 2,
      });
      expect(at('2025-11-10', '15:45', 3, half, 1)).toMatchObject({ contracts: 1 });
      expect(at('2025-11-10', '15:45', 3, half, 2)).toMatchObject({ contracts: 2 });
    });
    it('a zero lead reduces only at the close', () => {
      const noLead: ExposurePolicy = { ...P, leadMinutes: 0 };
      expect(at('2025-11-07', '15:59', 4, noLead)).toMatchObject({ phase: 'open', contracts: 4 });
      expect(at('2025-11-07', '16:00', 4, noLead)).toMatchObject({ phase: 'closed', contracts: 0 });
    });
  });

  describe('given bad input', () => {
    it.each([
      [{ ...P, weekend: '1.5' }, 'policy/weekend'],
      [{ ...P, holiday: 'x' }, 'policy/holiday'],
      [{ ...P, leadMinutes: -1 }, 'policy/leadMinutes'],
      [{ ...P, leadMinutes: 2.5 }, 'policy/leadMinutes'],
    ])('refuses policy %j naming %s', (policy, path) => {
      expect(effectiveExposure(policy, 'GC', 4, ct('2025-11-05'))).toEqual(
        E.left(expect.objectContaining({ _tag: 'ValidationError', path })),
      );
    });
    it('refuses a bad desired exposure, an unknown root and an instant outside the calendar', () => {
      expect(effectiveExposure(P, 'GC', 'abc', ct('2025-11-05'))).toEqual(
        E.left(expect.objectContaining({ path: 'desired' })),
      );
      expect(effectiveExposure(P, 'XX', 4, ct('2025-11-05'))).toEqual(
        E.left(expect.objectContaining({ path: 'root' })),
      );
      expect(effectiveExposure(P, 'GC', 4, Date.parse('2030-01-02T15:00:00Z'))).toEqual(
        E.left(expect.objectContaining({ path: 'at' })),
      );
    });
  });

  it('property: never a non-zero exposure within the lead of a weekend, holiday or early close (Nov 2025 – Jan 2026)', () => {
    const from = ct('2025-11-01', '00:00');
    const to = ct('2026-01-31', '00:00');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Math.floor((to - from) / 60_000) }),
        fc.integer({ min: -8, max: 8 }),
        (minute, desired) => {
          const now = from + minute * 60_000;
          const eff = right(effectiveExposure(P, 'GC', desired, now));
          if (eff.contracts === 0) return true;
          for (let k = 0; k <= P.leadMinutes; k++) {
            const s = right(marketState('GC', now + k * 60_000)).state;
            if (s === 'weekend' || s === 'holiday' || s === 'earlyClose') return false;
          }
          return eff.contracts === desired;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('arrivals while the market is closed', () => {
  const gate = (time: string, date: string, value: string) => right(gateArrival('GC', value, ct(date, time)));

  it('an arrival while open is effective at once', () => {
    expect(gate('10:00', '2025-11-05', 'p1')).toEqual({
      value: 'p1',
      receivedAt: ct('2025-11-05'),
      closed: false,
      arrivalState: 'open',
      effectiveAt: ct('2025-11-05'),
    });
  });
  it('an arrival over the weekend is marked closed and applies at the Sunday open', () => {
    expect(gate('12:00', '2025-11-08', 'p1')).toMatchObject({
      closed: true,
      arrivalState: 'weekend',
      effectiveAt: ct('2025-11-09', '17:00'),
    });
  });
  it('an arrival during the daily halt applies at the reopen, not lost', () => {
    const a = gate('16:10', '2025-11-10', 'p1');
    expect(a).toMatchObject({
      closed: true,
      arrivalState: 'dailyHalt',
      effectiveAt: ct('2025-11-10', '17:00'),
    });
    const held = admit(emptyGate<string>(), a);
    expect(held.due).toBeNull();
    expect(release(held.gate, ct('2025-11-10', '16:59')).due).toBeNull();
    expect(release(held.gate, ct('2025-11-10', '17:00'))).toEqual({ gate: { pending: null }, due: a });
  });
  it('a newer closed arrival supersedes the pending one; an older one is stale', () => {
    const a = gate('16:10', '2025-11-10', 'p1');
    const b = gate('16:40', '2025-11-10', 'p2');
    const g1 = admit(emptyGate<string>(), a).gate;
    const r2 = admit(g1, b);
    expect(r2).toMatchObject({ due: null, stale: false, superseded: a, gate: { pending: b } });
    const r3 = admit(r2.gate, a);
    expect(r3).toMatchObject({ stale: true, gate: { pending: b } });
    expect(release(r3.gate, ct('2025-11-10', '17:05')).due?.value).toBe('p2');
  });
  it('an arrival after the open is due at once and clears the one pending', () => {
    const a = gate('12:00', '2025-11-08', 'p1');
    const b: GatedArrival<string> = gate('17:01', '2025-11-09', 'p2');
    const r = admit(admit(emptyGate<string>(), a).gate, b);
    expect(r).toMatchObject({ due: b, superseded: a, gate: { pending: null } });
  });
  it('refuses an unknown root', () => {
    expect(gateArrival('XX', 1, ct('2025-11-05'))).toEqual(E.left(expect.objectContaining({ path: 'root' })));
  });
});
