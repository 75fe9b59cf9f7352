import { mulberry32 } from '@keel/venue-sim';
import { buildSoakPlan, SoakPlanError, targetQty } from './soak.plan';

const DAY = 86_400_000;
const file = '/data/bars.csv.gz';
// 45 days of bars from 2024-01-01 00:00 (the committed BTCUSDT file's span).
const dataStart = Date.UTC(2024, 0, 1);
const dataEnd = dataStart + 45 * DAY - 60_000;

describe('soak plan', () => {
  it('runs the days in the wall minutes: the speed is their ratio, and every duration scales with it', () => {
    const p = buildSoakPlan({ days: 7, minutes: 30, seed: 1, file, dataStart, dataEnd }, () => 0);
    expect(p.speed).toBe(336);
    expect(p.virtualMs(250)).toBe(84_000);
    expect(p.appEnv.gateway['KEEL_CYCLE_MS']).toBe('84000');
    // A late send is applied well inside the gateway's not-found horizon (both on the session clock).
    expect(p.misbehaviour.lateApplyMs).toBeLessThan(Number(p.appEnv.gateway['KEEL_NOT_FOUND_HORIZON_MS']));
    expect(p.horizonSec).toBe(2016);
    // Fills the venue lists late are still inside the cycle's look-back, with room for slow cycles.
    expect(Number(p.appEnv.gateway['KEEL_FILL_LOOKBACK_MS'])).toBeGreaterThanOrEqual(
      40 * p.misbehaviour.fillDelayMs,
    );
  });

  it('picks the window by the seed, always whole days inside the data, with room for the settle phase', () => {
    const starts = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const p = buildSoakPlan({ days: 7, minutes: 30, seed, file, dataStart, dataEnd }, mulberry32(seed));
      expect(p.clockStart % DAY).toBe(0);
      expect(p.clockStart).toBeGreaterThanOrEqual(dataStart);
      expect(p.clockEnd).toBeLessThanOrEqual(dataEnd);
      expect(p.market.from).toBeLessThan(p.clockStart);
      starts.add(p.clockStart);
    }
    expect(starts.size).toBeGreaterThan(10); // not one fixed week
  });

  it('refuses a run the data cannot hold, naming the file and what it needs', () => {
    expect(() =>
      buildSoakPlan({ days: 50, minutes: 30, seed: 1, file, dataStart, dataEnd }, () => 0.5),
    ).toThrow(SoakPlanError);
    expect(() =>
      buildSoakPlan({ days: 50, minutes: 30, seed: 1, file, dataStart, dataEnd }, () => 0.5),
    ).toThrow(/bars\.csv\.gz holds 45\.0 days of bars; 50 days/);
    expect(() => buildSoakPlan({ days: 0, minutes: 30, seed: 1, file, dataStart, dataEnd }, () => 0)).toThrow(
      /--days/,
    );
  });

  it('sets targets long, short and flat, in whole lots', () => {
    const rnd = mulberry32(3);
    const qs = Array.from({ length: 200 }, () => targetQty(rnd));
    expect(qs.every((q) => /^-?\d+\.\d{3}$/.test(q) && Math.abs(Number(q)) <= 0.5)).toBe(true);
    expect(qs.some((q) => Number(q) > 0)).toBe(true);
    expect(qs.some((q) => Number(q) < 0)).toBe(true);
  });
});
