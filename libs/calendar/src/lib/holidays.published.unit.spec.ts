/**
 * The holiday table against hours that were published, one expectation per (date, product),
 * each with where it was read. Written independently of holidays.data.ts (times converted to
 * Chicago time here, from the ET the sources print), so a wrong row fails here. Sources (stored
 * copies read through the search tool; full citations in holidays.data.ts):
 *  [XYZ-2026]   docs.trade.xyz holiday closures, 2026 CME equities and base metals (ET).
 *  [PMC-464]    pandas_market_calendars issue #464: CME's 2026 energy/metals closes, read from CME's
 *               holiday tool and trading-hours xlsx (ET).
 *  [LEAN-9552]  Lean issue #9552: NQ/ES Juneteenth 2026 early close 13:00 ET.
 *  [EDGE-2026]  edgeclear "2026 CME Globex Trading Schedule", MLK 2026 per group (CT).
 *  [FXL-MLK-2025] forexlive, MLK 2025 (CT). [FXL-TG-2024] forexlive, Thanksgiving 2024 (CT).
 *  [MONDO-2025-01-09] mondovisione, National Day of Mourning 9 Jan 2025 (CT).
 *  [LEAN-7718]  Lean PR #7718, crypto 2024 from CME's holiday calendar (CT).
 *  [LEAN-9807]  Lean PR #9807, 3 Jul 2024 equity index 12:15 CT.
 *  [LEAN-9733]  Lean PR #9733, CME's published 2027 schedule: no trading 26 Mar; 24 Dec closed.
 */
import * as E from 'fp-ts/Either';
import { holidays } from './holidays';
import { HOLIDAY_ROWS, PRODUCT_GROUPS } from './holidays.data';
import { marketState } from './market-state';

/** [date, root, published close in CT ('closed' or HH:MM), source] */
type Published = readonly [string, string, string, string];
const PUBLISHED: readonly Published[] = [
  // 2026, equities (ES) and metals (GC, HG): XYZ-2026
  ['2026-01-01', 'ES', 'closed', 'XYZ-2026'],
  ['2026-01-01', 'HG', 'closed', 'XYZ-2026'],
  ['2026-01-19', 'ES', '12:00', 'XYZ-2026'],
  ['2026-01-19', 'HG', '13:30', 'XYZ-2026'],
  ['2026-02-16', 'ES', '12:00', 'XYZ-2026'],
  ['2026-02-16', 'HG', '13:30', 'XYZ-2026'],
  ['2026-04-03', 'ES', '08:15', 'XYZ-2026'],
  ['2026-04-03', 'HG', 'closed', 'XYZ-2026'],
  ['2026-05-25', 'ES', '12:00', 'XYZ-2026'],
  ['2026-05-25', 'HG', '13:30', 'XYZ-2026'],
  ['2026-06-19', 'ES', '12:00', 'XYZ-2026'],
  ['2026-06-19', 'HG', '12:00', 'XYZ-2026'],
  ['2026-07-03', 'ES', '12:00', 'XYZ-2026'],
  ['2026-07-03', 'HG', '12:00', 'XYZ-2026'],
  ['2026-09-07', 'ES', '12:00', 'XYZ-2026'],
  ['2026-09-07', 'HG', '13:30', 'XYZ-2026'],
  ['2026-11-26', 'ES', '12:00', 'XYZ-2026'],
  ['2026-11-26', 'HG', '13:30', 'XYZ-2026'],
  ['2026-11-27', 'ES', '12:15', 'XYZ-2026'],
  ['2026-11-27', 'HG', '13:45', 'XYZ-2026'],
  ['2026-12-24', 'ES', '12:15', 'XYZ-2026'],
  ['2026-12-24', 'HG', '12:45', 'XYZ-2026'],
  ['2026-12-25', 'ES', 'closed', 'XYZ-2026'],
  ['2026-12-25', 'HG', 'closed', 'XYZ-2026'],
  // 2026, energy and metals (GC, MCL): PMC-464's corrected cells
  ['2026-06-19', 'GC', '12:00', 'PMC-464'],
  ['2026-06-19', 'MCL', '12:00', 'PMC-464'],
  ['2026-07-03', 'GC', '12:00', 'PMC-464'],
  ['2026-07-03', 'MCL', '12:00', 'PMC-464'],
  ['2026-09-07', 'GC', '13:30', 'PMC-464'],
  ['2026-09-07', 'MCL', '13:30', 'PMC-464'],
  ['2026-11-27', 'GC', '13:45', 'PMC-464'],
  ['2026-11-27', 'MCL', '13:45', 'PMC-464'],
  ['2026-06-19', 'NQ', '12:00', 'LEAN-9552'],
  // MLK 2026 per group: EDGE-2026 (FX and crypto halt at their regular 16:00)
  ['2026-01-19', 'ZN', '12:00', 'EDGE-2026'],
  ['2026-01-19', 'ES', '12:00', 'EDGE-2026'],
  ['2026-01-19', 'CL', '13:30', 'EDGE-2026'],
  ['2026-01-19', 'GC', '13:30', 'EDGE-2026'],
  ['2026-01-19', '6E', 'regular', 'EDGE-2026'],
  ['2026-01-19', 'BTC', 'regular', 'EDGE-2026'],
  // 2025
  ['2025-01-09', 'ES', '08:30', 'MONDO-2025-01-09'],
  ['2025-01-09', 'ZN', '12:15', 'MONDO-2025-01-09'],
  ['2025-01-09', 'GC', 'regular', 'MONDO-2025-01-09'],
  ['2025-01-09', 'CL', 'regular', 'MONDO-2025-01-09'],
  ['2025-01-09', '6E', 'regular', 'MONDO-2025-01-09'],
  ['2025-01-09', 'BTC', 'regular', 'MONDO-2025-01-09'],
  ['2025-01-20', 'ES', '12:00', 'FXL-MLK-2025'],
  ['2025-01-20', 'ZB', '12:00', 'FXL-MLK-2025'],
  ['2025-01-20', '6E', 'regular', 'FXL-MLK-2025'],
  ['2025-01-20', 'ETH', 'regular', 'FXL-MLK-2025'],
  // 2024
  ['2024-11-28', 'ES', '12:00', 'FXL-TG-2024'],
  ['2024-11-28', 'BTC', '12:00', 'FXL-TG-2024'],
  ['2024-11-28', 'ZN', '12:00', 'FXL-TG-2024'],
  ['2024-11-28', 'CL', '12:00', 'FXL-TG-2024'],
  ['2024-11-28', 'GC', '12:00', 'FXL-TG-2024'],
  ['2024-07-03', 'ES', '12:15', 'LEAN-9807'],
  ['2024-01-15', 'BTC', 'regular', 'LEAN-7718'],
  ['2024-05-27', 'BTC', 'regular', 'LEAN-7718'],
  ['2024-06-19', 'MBT', 'regular', 'LEAN-7718'],
  ['2024-09-02', 'BTC', 'regular', 'LEAN-7718'],
  ['2024-12-24', 'BTC', '12:45', 'LEAN-7718'],
  // 2027
  ['2027-03-26', 'ES', 'closed', 'LEAN-9733'],
  ['2027-03-26', 'GC', 'closed', 'LEAN-9733'],
  ['2027-12-24', 'ES', 'closed', 'LEAN-9733'],
];

const hoursOn = (root: string, date: string): string => {
  const r = holidays(root, date.slice(0, 4));
  if (E.isLeft(r)) throw new Error(r.left.message);
  const entry = r.right.find((h) => h.date === date);
  if (!entry) return 'regular';
  return entry.kind === 'closed' ? 'closed' : (entry.closeTime ?? 'missing close time');
};

describe('the holiday table against published hours', () => {
  it.each(PUBLISHED)('%s %s closes %s [%s]', (date, root, published) => {
    expect(hoursOn(root, date)).toBe(published);
  });

  it('Good Friday 2026: equities trade the jobs report until 08:15 CT, then the weekend holiday; metals never open', () => {
    const es = (iso: string) => E.getOrElseW(() => undefined)(marketState('ES', Date.parse(iso)));
    expect(es('2026-04-03T13:14:00Z')?.state).toBe('open'); // 08:14 CDT
    expect(es('2026-04-03T13:15:00Z')).toEqual({
      state: 'holiday',
      nextOpen: '2026-04-05T17:00:00.000-05:00',
      nextClose: '2026-04-06T16:00:00.000-05:00',
    });
    expect(E.getOrElseW(() => undefined)(marketState('GC', Date.parse('2026-04-03T13:14:00Z')))?.state).toBe(
      'holiday',
    );
  });

  it('every row says which groups it sourced, and a row that sourced none is marked DERIVED', () => {
    for (const row of HOLIDAY_ROWS) {
      for (const g of row.sourcedGroups)
        expect([row.date, PRODUCT_GROUPS.includes(g)]).toEqual([row.date, true]);
      if (row.sourcedGroups.length === 0)
        expect([row.date, row.sources.includes('DERIVED')]).toEqual([row.date, true]);
    }
  });
});
