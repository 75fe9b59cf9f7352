/**
 * The CME plan's pure facts: which contracts, which shift, where the window sits and which
 * speed × minutes are too short. The in-process run of the plan is cme.plan.int.spec.ts.
 */
import * as E from 'fp-ts/Either';
import { chicagoInstant, contractForCode } from '@keel/calendar';
import { resolveRolloverConfig } from '@keel/rollover-domain';
import { CME_BARS_FILE, CmePlan, cmeModelBars, cmePlan, CmePlanOptions, RECOMMENDED_SPEED } from './cme.plan';

const SLICE = `${__dirname}/../../../../libs/rollover/domain/test-data/cme-es-1m-tradebars-algoseek-2013-12-01_2013-12-20.csv.gz`;
const BASE: CmePlanOptions = {
  speed: RECOMMENDED_SPEED,
  minutes: 2,
  venue: 'cme-sim',
  accountId: 'paper-cme',
  dataDir: '/data/market/',
};
const ct = (date: string, time: string): number => chicagoInstant(date, time);
const right = (o: Partial<CmePlanOptions> = {}): CmePlan => {
  const p = cmePlan({ ...BASE, ...o });
  if (E.isLeft(p)) throw new Error(p.left);
  return p.right;
};
const left = (o: Partial<CmePlanOptions>): string => {
  const p = cmePlan({ ...BASE, ...o });
  if (E.isRight(p)) throw new Error('expected a Left');
  return p.left;
};

describe('cmePlan', () => {
  it('lists MESZ5 and MESH6 on the named venue, replaying ESZ13 / ESH14 of the ES bars file with one shift', () => {
    const p = right();
    expect(p.root).toBe('MES');
    expect(p.markets.map((m) => [m.instrument.symbol, m.instrument.venue, m.source])).toEqual([
      ['MESZ5', 'cme-sim', { kind: 'bars', file: `/data/market/${CME_BARS_FILE}`, contract: 'ESZ13' }],
      ['MESH6', 'cme-sim', { kind: 'bars', file: `/data/market/${CME_BARS_FILE}`, contract: 'ESH14' }],
    ]);
    expect(p.markets[0]?.instrument).toMatchObject({
      kind: 'future',
      base: 'MES',
      tickSize: '0.25',
      lotSize: '1',
      contractSize: '5',
      settlement: 'cash',
      expiry: new Date(ct('2025-12-19', '08:30')).toISOString(),
    });
    // Recorded 2013-12-18 10:00 CT lands on MESZ5's forced-roll midnight, 2025-12-17 00:00 CT.
    expect(p.facts.shiftMs).toBe(ct('2025-12-17', '00:00') - Date.parse('2013-12-18T16:00:00Z'));
    expect(p.markets.every((m) => m.shiftMs === p.facts.shiftMs && m.from === p.clockStart)).toBe(true);
    expect(p.data.map((d) => [d.instrument, d.shiftMs])).toEqual([
      ['MESZ5', p.facts.shiftMs],
      ['MESH6', p.facts.shiftMs],
    ]);
    expect(p.data[0]?.note).toContain('ESZ13 1-minute trade bars of 2013-12-18');
  });

  it('sets cme-rollover so MESZ5 rolls on 2025-12-17 (roll start = forced roll) and holds through the daily break', () => {
    const p = right();
    expect(p.rolloverEnv).toEqual({
      KEEL_ROOTS: 'MES',
      KEEL_ACCOUNT_IDS: 'paper-cme',
      KEEL_ROLL_POLICY: 'MES:2/2',
      KEEL_EXPOSURE_POLICY: 'weekend=0,dailyHalt=1,holiday=0,earlyClose=0,leadMinutes=30',
      KEEL_ACCOUNT_EXPOSURE_POLICIES: '',
      KEEL_TICK_MS: '60000',
      KEEL_TARGET_HORIZON_SEC: '900',
    });
    // The rows cme-rollover resolves from those settings.
    const r = resolveRolloverConfig({
      roots: 'MES',
      accountIds: 'paper-cme',
      exposurePolicy: p.rolloverEnv['KEEL_EXPOSURE_POLICY'] ?? '',
      accountExposurePolicies: '',
      rollPolicy: p.rolloverEnv['KEEL_ROLL_POLICY'] ?? '',
    });
    expect(E.isRight(r)).toBe(true);
    const rows = E.isRight(r) ? (r.right.calendars.get('MES')?.contracts ?? []) : [];
    expect(rows.find((c) => c.code === 'MESZ5')).toMatchObject({
      rollStartDate: '2025-12-17',
      forcedRollDate: '2025-12-17',
      lastTradeDate: '2025-12-19',
      settlement: 'cash',
    });
    // With the calendar's default (8/2) the roll would already have started a week before the session.
    const dflt = contractForCode('MESZ5');
    expect(dflt._tag === 'Contract' && dflt.contract.rollStartDate).toBe('2025-12-09');
  });

  it('at the recommended speed, 2 minutes hold MESZ5 before the 16:00 CT break and reach 45 minutes past the forced roll', () => {
    const p = right();
    expect(p.clockEnd - p.clockStart).toBe(2 * 60_000 * RECOMMENDED_SPEED);
    expect(p.facts.close).toBe(ct('2025-12-16', '16:00'));
    expect(p.facts.reopen).toBe(ct('2025-12-16', '17:00'));
    expect(p.facts.forcedRoll).toBe(ct('2025-12-17', '00:00'));
    expect(p.facts.minSpanMs).toBe(ct('2025-12-17', '00:45') - ct('2025-12-16', '15:30'));
    expect(p.clockStart).toBeLessThanOrEqual(ct('2025-12-16', '15:30'));
    expect(p.clockEnd).toBeGreaterThanOrEqual(ct('2025-12-17', '00:45'));
    expect(p.clockStart % 60_000).toBe(0);
    // Inside the recorded data (contiguous from 08:00 CT to 05:15 CT on the session clock).
    expect(p.clockStart).toBeGreaterThanOrEqual(p.facts.dataFrom);
    expect(p.clockEnd).toBeLessThanOrEqual(p.facts.dataTo);
    expect(p.milestones.map((m) => m.kind)).toEqual([
      'sessionStart',
      'close',
      'reopen',
      'rollStart',
      'forcedRoll',
      'rollDoneBy',
      'sessionEnd',
      'dataEnd',
      'lastTrade',
      'deliveryCutoff',
      'deliveryCutoff',
    ]);
  });

  it('says which speed × minutes are too short, naming both and what would do', () => {
    expect(left({ speed: 240, minutes: 2 })).toBe(
      'speed 240 × minutes 2 is 8 h 00 min of session time; the CME part needs at least 9 h 15 min ' +
        '(build MESZ5 by 2025-12-16 15:30 CT, cross the 2025-12-16 16:00 CT–17:00 CT break, roll into MESH6 at 2025-12-17 00:00 CT): ' +
        'use --speed 278 or more for --minutes 2, or --minutes 2.4 or more at --speed 240',
    );
    expect(E.isRight(cmePlan({ ...BASE, speed: 278, minutes: 2 }))).toBe(true);
    expect(E.isRight(cmePlan({ ...BASE, speed: 240, minutes: 2.4 }))).toBe(true);
    expect(left({ speed: 120, minutes: 2 })).toContain('speed 120 × minutes 2 is 4 h 00 min');
  });

  it('refuses bad options, naming the field and the value', () => {
    expect(left({ speed: 0 })).toBe('speed: 0 must be a positive number');
    expect(left({ minutes: Number.NaN })).toBe('minutes: null must be a positive number');
    expect(left({ venue: '' })).toBe('venue: "" must be a name ([A-Za-z0-9_.:@-]+)');
    expect(left({ accountId: 'a b' })).toBe('accountId: "a b" must be a name ([A-Za-z0-9_.:@-]+)');
  });

  it('puts extra time half before the build and half after the roll, then wherever the data allows', () => {
    const p = right({ minutes: 3 }); // 15 h: 5 h 45 min extra
    const extra = p.clockEnd - p.clockStart - p.facts.minSpanMs;
    expect(ct('2025-12-16', '15:30') - p.clockStart).toBe(Math.floor(extra / 2 / 60_000) * 60_000);
    const q = right({ minutes: 4 }); // 20 h: the data after the roll runs out first (05:15 CT)
    expect(q.clockEnd).toBe(q.facts.dataTo);
    const long = right({ minutes: 10 }); // 50 h: more than the data
    expect(long.clockStart).toBe(long.facts.dataFrom);
    expect(long.clockEnd).toBeGreaterThan(long.facts.dataTo);
  });
});

describe('cmeModelBars', () => {
  it('yields the front’s recorded closes on the session clock: MESZ5 before the forced roll, MESH6 from it, with warm-up', async () => {
    const p = right({ file: SLICE });
    const got: { t: number; close: number; contract: string }[] = [];
    for await (const b of cmeModelBars(p, { warmupMs: 3_600_000 })) got.push(b);
    expect(got[0]?.t).toBeGreaterThanOrEqual(p.clockStart - 3_600_000);
    expect(got[got.length - 1]?.t).toBeLessThanOrEqual(p.clockEnd);
    expect(got.every((b, i) => i === 0 || b.t > (got[i - 1]?.t ?? 0))).toBe(true);
    expect(got.filter((b) => b.t < p.facts.forcedRoll).every((b) => b.contract === 'MESZ5')).toBe(true);
    expect(got.filter((b) => b.t >= p.facts.forcedRoll).every((b) => b.contract === 'MESH6')).toBe(true);
    // The first MESH6 close is the ESH14 bar 15:59Z–16:00Z of 2013-12-18: it closes on the forced roll.
    const first = got.find((b) => b.contract === 'MESH6');
    expect(first?.t).toBe(p.facts.forcedRoll);
    expect(first?.close).toBeGreaterThan(1700);
    expect(first?.close).toBeLessThan(1900);
  });

  it('fails on a missing file', async () => {
    const p = right({ file: '/nonexistent/bars.csv.gz' });
    await expect(
      (async () => {
        for await (const _ of cmeModelBars(p)) void _;
      })(),
    ).rejects.toThrow(/nonexistent/);
  });
});
