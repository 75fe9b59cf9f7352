/**
 * The delivery-cutoff invariant on position observations: GCZ5 (COMEX gold, physically settled,
 * forced roll 2025-11-25 by the calendar's default policy, the gateway guard's cutoff), MESZ5
 * (cash-settled) and a crypto perpetual (no cutoff).
 */
import { chicagoInstant } from '@keel/calendar';
import {
  DEFAULT_DELIVERY_GRACE_MS,
  deliveryCutoffBreaches,
  deliveryCutoffOf,
  PositionObservation,
} from './cme.delivery';

const CUTOFF = chicagoInstant('2025-11-25', '00:00');
const GRACE_END = CUTOFF + DEFAULT_DELIVERY_GRACE_MS;
const MIN = 60_000;
const INSTRUMENTS = [
  { symbol: 'GCZ5', settlement: 'physical' as const },
  { symbol: 'MESZ5', settlement: 'cash' as const },
  { symbol: 'BTC/USDT:USDT', settlement: null },
];
const obs = (at: number, instrument: string, qty: string | number): PositionObservation => ({
  at,
  instrument,
  qty,
});

describe('deliveryCutoffOf', () => {
  it('is the gateway guard’s cutoff: 00:00 CT of the forced-roll date for physical, null for cash, undefined when unknown', () => {
    expect(deliveryCutoffOf('GCZ5')).toBe(CUTOFF);
    expect(deliveryCutoffOf('MESZ5')).toBeNull();
    expect(deliveryCutoffOf('GCZ1')).toBeUndefined(); // outside the calendar's years
  });
});

describe('deliveryCutoffBreaches', () => {
  const until = CUTOFF + 3 * 3_600_000;

  it('accepts a roll worked out within the grace: held before, reduced after the cutoff, flat by the grace’s end', () => {
    const o = [
      obs(CUTOFF - 60 * MIN, 'GCZ5', 4),
      obs(CUTOFF + 5 * MIN, 'GCZ5', 2),
      obs(CUTOFF + 12 * MIN, 'GCZ5', '0'),
      obs(CUTOFF + 12 * MIN, 'GCG6', 4),
    ];
    expect(deliveryCutoffBreaches(o, INSTRUMENTS, { until })).toEqual([]);
  });

  it('reports a position still held at the grace’s end, from that instant', () => {
    const o = [obs(CUTOFF - 60 * MIN, 'GCZ5', 4), obs(CUTOFF + 40 * MIN, 'GCZ5', 0)];
    expect(deliveryCutoffBreaches(o, INSTRUMENTS, { until })).toEqual([
      expect.objectContaining({
        kind: 'heldPastCutoff',
        instrument: 'GCZ5',
        at: GRACE_END,
        qty: '4',
        cutoff: CUTOFF,
      }),
    ]);
  });

  it('reports a position never observed again, held to the end of the session', () => {
    const b = deliveryCutoffBreaches([obs(CUTOFF - MIN, 'GCZ5', -1)], INSTRUMENTS, { until });
    expect(b.map((x) => [x.kind, x.at, x.qty])).toEqual([['heldPastCutoff', GRACE_END, '-1']]);
    expect(b[0]?.reason).toBe(
      '-1 GCZ5 still held at 2025-11-25T06:16:00.000Z, past its delivery cutoff 2025-11-25T06:00:00.000Z (+ 960 s to work it out)',
    );
    // A session that ends inside the grace has no breach yet.
    expect(
      deliveryCutoffBreaches([obs(CUTOFF - MIN, 'GCZ5', -1)], INSTRUMENTS, { until: GRACE_END }),
    ).toEqual([]);
  });

  it('reports exposure opened, increased or flipped on or after the cutoff at once (the guard bypassed)', () => {
    const opened = deliveryCutoffBreaches(
      [obs(CUTOFF, 'GCZ5', 1), obs(CUTOFF + MIN, 'GCZ5', 0)],
      INSTRUMENTS,
      {
        until,
      },
    );
    expect(opened.map((x) => [x.kind, x.at, x.qty])).toEqual([['exposurePastCutoff', CUTOFF, '1']]);
    const increased = deliveryCutoffBreaches(
      [obs(CUTOFF - MIN, 'GCZ5', 2), obs(CUTOFF + MIN, 'GCZ5', 3), obs(CUTOFF + 2 * MIN, 'GCZ5', 0)],
      INSTRUMENTS,
      { until },
    );
    expect(increased.map((x) => [x.kind, x.qty])).toEqual([['exposurePastCutoff', '3']]);
    const flipped = deliveryCutoffBreaches(
      [obs(CUTOFF - MIN, 'GCZ5', 2), obs(CUTOFF + MIN, 'GCZ5', -1), obs(CUTOFF + 2 * MIN, 'GCZ5', 0)],
      INSTRUMENTS,
      { until },
    );
    expect(flipped.map((x) => [x.kind, x.qty])).toEqual([['exposurePastCutoff', '-1']]);
    // Before the cutoff the same moves are fine.
    expect(
      deliveryCutoffBreaches([obs(CUTOFF - 2 * MIN, 'GCZ5', 1), obs(CUTOFF - MIN, 'GCZ5', 0)], INSTRUMENTS, {
        until,
      }),
    ).toEqual([]);
  });

  it('sorts observations itself and honours a custom grace', () => {
    const o = [obs(CUTOFF + 5 * MIN, 'GCZ5', 0), obs(CUTOFF - MIN, 'GCZ5', 1)];
    expect(deliveryCutoffBreaches(o, INSTRUMENTS, { until })).toEqual([]);
    expect(
      deliveryCutoffBreaches(o, INSTRUMENTS, { until, graceMs: MIN }).map((x) => [x.kind, x.at]),
    ).toEqual([['heldPastCutoff', CUTOFF + MIN]]);
  });

  it('never flags cash-settled contracts or crypto, whatever they hold', () => {
    const o = [
      obs(CUTOFF + 10 * 3_600_000, 'MESZ5', 5),
      obs(CUTOFF + 10 * 3_600_000, 'BTC/USDT:USDT', '0.5'),
    ];
    expect(deliveryCutoffBreaches(o, INSTRUMENTS, { until: CUTOFF + 20 * 3_600_000 })).toEqual([]);
  });

  it('flags a position in a physical instrument the calendar cannot date', () => {
    const b = deliveryCutoffBreaches([obs(CUTOFF, 'GCZ1', 1)], [{ symbol: 'GCZ1', settlement: 'physical' }], {
      until,
    });
    expect(b.map((x) => [x.kind, x.instrument, x.cutoff])).toEqual([['unknownContract', 'GCZ1', null]]);
  });
});
