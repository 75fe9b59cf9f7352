/**
 * Market state across the cases that break naive session code: the two 2025 DST Sundays
 * (America/Chicago: 9 Mar, 2 Nov) at the Sunday open and the daily halt, early closes,
 * holiday halts and closed days. Instants are written in UTC so the expected offsets show
 * that the tz database, not a fixed offset, decided them. Holiday hours: holidays.data.ts.
 */
import * as E from 'fp-ts/Either';
import { MarketState, marketState } from './market-state';

const at = (root: string, iso: string): MarketState => {
  const r = marketState(root, Date.parse(iso));
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

describe('spring forward, Sunday 9 March 2025 (CST → CDT)', () => {
  it('the Friday close is 16:00 CST (22:00Z)', () => {
    expect(at('ES', '2025-03-07T21:59:00Z').state).toBe('open');
    expect(at('ES', '2025-03-07T22:00:00Z')).toEqual({
      state: 'weekend',
      nextOpen: '2025-03-09T17:00:00.000-05:00',
      nextClose: '2025-03-10T16:00:00.000-05:00',
    });
  });
  it('the Sunday open is 17:00 CDT (22:00Z), an hour earlier in UTC than the week before', () => {
    expect(at('ES', '2025-03-09T21:59:59Z').state).toBe('weekend');
    expect(at('ES', '2025-03-09T22:00:00Z')).toEqual({
      state: 'open',
      nextOpen: '2025-03-10T17:00:00.000-05:00',
      nextClose: '2025-03-10T16:00:00.000-05:00',
    });
    expect(at('ES', '2025-03-02T22:30:00Z').state).toBe('weekend'); // a week earlier, 16:30 CST
  });
  it('the daily halt is 16:00–17:00 CDT (21:00–22:00Z) on Monday 10 March', () => {
    expect(at('CL', '2025-03-10T20:59:00Z').state).toBe('open');
    expect(at('CL', '2025-03-10T21:00:00Z')).toEqual({
      state: 'dailyHalt',
      nextOpen: '2025-03-10T17:00:00.000-05:00',
      nextClose: '2025-03-11T16:00:00.000-05:00',
    });
    expect(at('CL', '2025-03-10T22:00:00Z').state).toBe('open');
  });
});

describe('fall back, Sunday 2 November 2025 (CDT → CST)', () => {
  it('the Friday close is 16:00 CDT (21:00Z)', () => {
    expect(at('GC', '2025-10-31T21:00:00Z')).toEqual({
      state: 'weekend',
      nextOpen: '2025-11-02T17:00:00.000-06:00',
      nextClose: '2025-11-03T16:00:00.000-06:00',
    });
  });
  it('the Sunday open is 17:00 CST (23:00Z)', () => {
    expect(at('GC', '2025-11-02T22:59:00Z').state).toBe('weekend');
    expect(at('GC', '2025-11-02T23:00:00Z').state).toBe('open');
  });
  it('the daily halt is 16:00–17:00 CST (22:00–23:00Z) on Monday 3 November', () => {
    expect(at('ZN', '2025-11-03T21:30:00Z').state).toBe('open');
    expect(at('ZN', '2025-11-03T22:30:00Z')).toEqual({
      state: 'dailyHalt',
      nextOpen: '2025-11-03T17:00:00.000-06:00',
      nextClose: '2025-11-04T16:00:00.000-06:00',
    });
  });
});

describe('early closes (business days)', () => {
  it('day after Thanksgiving 2025: equity closes 12:15 CT, energy 12:45 CT, then nothing until Sunday', () => {
    expect(at('ES', '2025-11-28T18:14:00Z')).toEqual({
      state: 'open',
      nextOpen: '2025-11-30T17:00:00.000-06:00',
      nextClose: '2025-11-28T12:15:00.000-06:00',
    });
    expect(at('ES', '2025-11-28T18:15:00Z')).toEqual({
      state: 'earlyClose',
      nextOpen: '2025-11-30T17:00:00.000-06:00',
      nextClose: '2025-12-01T16:00:00.000-06:00',
    });
    expect(at('CL', '2025-11-28T18:30:00Z').state).toBe('open');
    expect(at('CL', '2025-11-28T18:45:00Z').state).toBe('earlyClose');
  });
  it('National Day of Mourning, 9 Jan 2025: equity until 08:30 CT, rates until 12:15 CT, energy normal', () => {
    expect(at('ES', '2025-01-09T15:00:00Z')).toEqual({
      state: 'earlyClose',
      nextOpen: '2025-01-09T17:00:00.000-06:00',
      nextClose: '2025-01-10T16:00:00.000-06:00',
    });
    expect(at('ZN', '2025-01-09T15:00:00Z').state).toBe('open');
    expect(at('ZN', '2025-01-09T18:15:00Z').state).toBe('earlyClose');
    expect(at('CL', '2025-01-09T20:00:00Z').state).toBe('open');
  });
});

describe('holidays', () => {
  it('Thanksgiving 2025: halted from 12:00 CT, reopening 17:00 CT for Friday', () => {
    expect(at('ES', '2025-11-27T18:30:00Z')).toEqual({
      state: 'holiday',
      nextOpen: '2025-11-27T17:00:00.000-06:00',
      nextClose: '2025-11-28T12:15:00.000-06:00',
    });
  });
  it('Christmas 2025: from the Christmas Eve early close to 17:00 CT on Christmas Day', () => {
    expect(at('ES', '2025-12-24T18:30:00Z')).toEqual({
      state: 'holiday',
      nextOpen: '2025-12-25T17:00:00.000-06:00',
      nextClose: '2025-12-26T16:00:00.000-06:00',
    });
    expect(at('ES', '2025-12-25T23:00:00Z').state).toBe('open');
  });
  it('Good Friday 2025: closed from Thursday 16:00 to Sunday 17:00', () => {
    expect(at('GC', '2025-04-18T15:00:00Z')).toEqual({
      state: 'holiday',
      nextOpen: '2025-04-20T17:00:00.000-05:00',
      nextClose: '2025-04-21T16:00:00.000-05:00',
    });
  });
  it("New Year's Day 2026 (a Thursday): closed from Wednesday's close to 17:00 CT Thursday", () => {
    expect(at('NQ', '2025-12-31T22:30:00Z')).toEqual({
      state: 'holiday',
      nextOpen: '2026-01-01T17:00:00.000-06:00',
      nextClose: '2026-01-02T16:00:00.000-06:00',
    });
  });
  it('MLK Day 2026: equity halts 12:00, energy 13:30, crypto trades regular hours', () => {
    expect(at('ES', '2026-01-19T19:00:00Z').state).toBe('holiday');
    expect(at('CL', '2026-01-19T19:00:00Z').state).toBe('open');
    expect(at('CL', '2026-01-19T20:00:00Z').state).toBe('holiday');
    expect(at('BTC', '2026-01-19T20:00:00Z').state).toBe('open');
    expect(at('BTC', '2026-01-19T22:30:00Z').state).toBe('dailyHalt');
  });
});

describe('bad input names the argument and the value', () => {
  it('an unknown root', () => {
    expect(marketState('FOO', Date.parse('2025-01-02T15:00:00Z'))).toEqual(
      E.left(expect.objectContaining({ path: 'root', value: 'FOO' })),
    );
  });
  it('an instant outside the holiday data', () => {
    expect(marketState('ES', Date.parse('2031-01-02T15:00:00Z'))).toEqual(
      E.left(expect.objectContaining({ path: 'at' })),
    );
  });
});
