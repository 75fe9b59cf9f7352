/**
 * Every product's rules against exchange dates for 2025–2026 (and ESM7). Where the expected
 * dates come from is written above each table:
 *  [DT-2026]   https://www.discounttrading.com/first-notice-dates.html — a futures broker's 2026
 *              first-notice table (CL, NG, GC, SI, HG), read through the search tool's stored copy.
 *  [RAW-2025]  https://rawnews.com/rollover-for-u-s-equity-index-futures-is-monday-march-17-2025-what-you-need-to-know
 *              — equity index expirations 2025: 21 Mar, 20 Jun, 19 Sep, 19 Dec (3rd Fridays).
 *  [REG-2026]  https://regimeanalysis.com/futures-roll-calendar/month-of/march-2026 — "CME lists …
 *              Friday March 20, 2026 as expiration for U.S. equity index futures".
 *  [LEAN-9572] https://github.com/QuantConnect/Lean/pull/9572 — "CME last trade date is 17 Jun 2027"
 *              for ES/NQ/YM/RTY/MES/MYM June 2027 (Juneteenth observed on the 3rd Friday).
 *  [RECALL]    A date remembered from CME's product calendars (cmegroup.com/…/<product>.calendar.html)
 *              that no stored page could confirm (no browser; the search found none): read it as a
 *              recollection the rule reproduces, not as a quotation.
 *  [RULE]      Worked by hand from the rule text on the CME contract-spec page cited in
 *              products.data.ts and the holiday table (the rule, not a published table).
 * No published 2025–2026 calendar was found for ZN/ZB, 6E or the crypto products, nor 2025 first
 * notice dates for any physical product (libs/calendar/README.md, "Sources").
 */
import * as E from 'fp-ts/Either';
import { Contract, contracts, DEFAULT_ROLL_POLICY } from './contracts';
import { PRODUCTS } from './products.data';

const get = (root: string, from: string, to: string): readonly Contract[] => {
  const r = contracts(root, from, to);
  if (E.isLeft(r)) throw new Error(`${root}: ${r.left.message}`);
  return r.right;
};
/** [code suffix, lastTradeDate, firstNoticeDate] for each contract of a root in 2025–2026. */
type Row = readonly [string, string, string | null];
const expectDates = (roots: readonly string[], rows: readonly Row[]) => {
  for (const root of roots) {
    const actual = get(root, '2025-01', '2026-12').map((c) => [
      c.code.slice(root.length),
      c.lastTradeDate,
      c.firstNoticeDate,
    ]);
    expect({ root, actual }).toEqual({ root, actual: rows });
  }
};

describe('equity index (ES MES NQ MNQ RTY M2K YM MYM): 3rd Friday, cash', () => {
  // [RAW-2025] ESH5 21 Mar … ESZ5 19 Dec 2025. [REG-2026] ESH6 20 Mar 2026. [RULE] ESM6: the 3rd
  // Friday, 19 Jun 2026, is Juneteenth, an exchange holiday, so trading ends the day before (18 Jun);
  // the same rule gives ESM7 17 Jun 2027, which CME published [LEAN-9572].
  it('matches the published expiries', () =>
    expectDates(
      ['ES', 'MES', 'NQ', 'MNQ', 'RTY', 'M2K', 'YM', 'MYM'],
      [
        ['H5', '2025-03-21', null],
        ['M5', '2025-06-20', null],
        ['U5', '2025-09-19', null],
        ['Z5', '2025-12-19', null],
        ['H6', '2026-03-20', null],
        ['M6', '2026-06-18', null],
        ['U6', '2026-09-18', null],
        ['Z6', '2026-12-18', null],
      ],
    ));
  it('ESM7 and the other index futures of June 2027 end on Thursday 17 Jun [LEAN-9572]', () => {
    for (const root of ['ES', 'NQ', 'YM', 'RTY', 'MES', 'MYM'])
      expect([root, get(root, '2027-06', '2027-06')[0]?.lastTradeDate]).toEqual([root, '2027-06-17']);
  });
});

describe('CL: 3 business days before the 25th of the prior month (4 if the 25th is not one)', () => {
  // [RECALL] CLF5 19 Dec 2024 (25 Dec a holiday → 4 days), CLG5 21 Jan 2025 (25 Jan a Saturday),
  // CLK5 22 Apr 2025, CLM5 20 May 2025 (25 May a Sunday), CLZ5 20 Nov 2025. [DT-2026] every
  // 2026 first-notice date (two business days after the last trade); the 2026 last trade dates
  // are the business days that table implies. 2025 first notice: [RULE] same offset.
  it('matches the published dates', () =>
    expectDates(
      ['CL'],
      [
        ['F5', '2024-12-19', '2024-12-23'],
        ['G5', '2025-01-21', '2025-01-23'],
        ['H5', '2025-02-20', '2025-02-24'],
        ['J5', '2025-03-20', '2025-03-24'],
        ['K5', '2025-04-22', '2025-04-24'],
        ['M5', '2025-05-20', '2025-05-22'],
        ['N5', '2025-06-20', '2025-06-24'],
        ['Q5', '2025-07-22', '2025-07-24'],
        ['U5', '2025-08-20', '2025-08-22'],
        ['V5', '2025-09-22', '2025-09-24'],
        ['X5', '2025-10-21', '2025-10-23'],
        ['Z5', '2025-11-20', '2025-11-24'],
        ['F6', '2025-12-19', '2025-12-23'],
        ['G6', '2026-01-20', '2026-01-22'],
        ['H6', '2026-02-20', '2026-02-24'],
        ['J6', '2026-03-20', '2026-03-24'],
        ['K6', '2026-04-21', '2026-04-23'],
        ['M6', '2026-05-19', '2026-05-21'],
        ['N6', '2026-06-22', '2026-06-24'],
        ['Q6', '2026-07-21', '2026-07-23'],
        ['U6', '2026-08-20', '2026-08-24'],
        ['V6', '2026-09-22', '2026-09-24'],
        ['X6', '2026-10-20', '2026-10-22'],
        ['Z6', '2026-11-20', '2026-11-24'],
      ],
    ));
});

describe('MCL: cash settled, one business day before CL', () => {
  // Rule: https://cmegroup.com/education/articles-and-reports/micro-wti-crude-oil-futures-faq.html
  // ("1 day prior to the expiration of WTI Crude Oil futures"); dates [RULE] from the CL table.
  it('expires the business day before CL and has no first notice', () => {
    const cl = get('CL', '2025-01', '2026-12');
    const mcl = get('MCL', '2025-01', '2026-12');
    expect(mcl.map((c) => c.firstNoticeDate)).toEqual(mcl.map(() => null));
    expect(mcl.map((c) => c.settlement)).toEqual(mcl.map(() => 'cash'));
    // Spot checks across holidays: CLG5 21 Jan 2025 → MCLG5 17 Jan (20 Jan is MLK Day);
    // CLN6 22 Jun 2026 → MCLN6 18 Jun (19 Jun is Juneteenth).
    expect(mcl.find((c) => c.code === 'MCLG5')?.lastTradeDate).toBe('2025-01-17');
    expect(mcl.find((c) => c.code === 'MCLN6')?.lastTradeDate).toBe('2026-06-18');
    expect(mcl.map((c) => c.month)).toEqual(cl.map((c) => c.month));
  });
});

describe('NG: 3rd last business day of the prior month', () => {
  // [RECALL] NGZ5 25 Nov 2025 (Thanksgiving skipped), NGF6 29 Dec 2025. [DT-2026] every 2026
  // first-notice date (the business day after the last trade); 2026 last trades follow from it.
  it('matches the published dates', () =>
    expectDates(
      ['NG'],
      [
        ['F5', '2024-12-27', '2024-12-30'],
        ['G5', '2025-01-29', '2025-01-30'],
        ['H5', '2025-02-26', '2025-02-27'],
        ['J5', '2025-03-27', '2025-03-28'],
        ['K5', '2025-04-28', '2025-04-29'],
        ['M5', '2025-05-28', '2025-05-29'],
        ['N5', '2025-06-26', '2025-06-27'],
        ['Q5', '2025-07-29', '2025-07-30'],
        ['U5', '2025-08-27', '2025-08-28'],
        ['V5', '2025-09-26', '2025-09-29'],
        ['X5', '2025-10-29', '2025-10-30'],
        ['Z5', '2025-11-25', '2025-11-26'],
        ['F6', '2025-12-29', '2025-12-30'],
        ['G6', '2026-01-28', '2026-01-29'],
        ['H6', '2026-02-25', '2026-02-26'],
        ['J6', '2026-03-27', '2026-03-30'],
        ['K6', '2026-04-28', '2026-04-29'],
        ['M6', '2026-05-27', '2026-05-28'],
        ['N6', '2026-06-26', '2026-06-29'],
        ['Q6', '2026-07-29', '2026-07-30'],
        ['U6', '2026-08-27', '2026-08-28'],
        ['V6', '2026-09-28', '2026-09-29'],
        ['X6', '2026-10-28', '2026-10-29'],
        ['Z6', '2026-11-25', '2026-11-27'],
      ],
    ));
});

describe('COMEX metals: 3rd last business day; first notice the last business day of the prior month', () => {
  // [RECALL] GCZ5 first notice 28 Nov 2025 (the day after Thanksgiving is a business day), last
  // trade 29 Dec 2025. [DT-2026] 2026 first notice: GC 30 Jan, 31 Mar, 29 May, 31 Jul, 30 Sep,
  // 30 Nov; SI/HG 27 Feb, 30 Apr, 30 Jun, 31 Aug, 30 Nov. Last trades [RULE].
  it('GC and MGC (Feb Apr Jun Aug Oct Dec)', () =>
    expectDates(
      ['GC', 'MGC'],
      [
        ['G5', '2025-02-26', '2025-01-31'],
        ['J5', '2025-04-28', '2025-03-31'],
        ['M5', '2025-06-26', '2025-05-30'],
        ['Q5', '2025-08-27', '2025-07-31'],
        ['V5', '2025-10-29', '2025-09-30'],
        ['Z5', '2025-12-29', '2025-11-28'],
        ['G6', '2026-02-25', '2026-01-30'],
        ['J6', '2026-04-28', '2026-03-31'],
        ['M6', '2026-06-26', '2026-05-29'],
        ['Q6', '2026-08-27', '2026-07-31'],
        ['V6', '2026-10-28', '2026-09-30'],
        ['Z6', '2026-12-29', '2026-11-30'],
      ],
    ));
  it('SI, SIL and HG (Mar May Jul Sep Dec)', () =>
    expectDates(
      ['SI', 'SIL', 'HG'],
      [
        ['H5', '2025-03-27', '2025-02-28'],
        ['K5', '2025-05-28', '2025-04-30'],
        ['N5', '2025-07-29', '2025-06-30'],
        ['U5', '2025-09-26', '2025-08-29'],
        ['Z5', '2025-12-29', '2025-11-28'],
        ['H6', '2026-03-27', '2026-02-27'],
        ['K6', '2026-05-27', '2026-04-30'],
        ['N6', '2026-07-29', '2026-06-30'],
        ['U6', '2026-09-28', '2026-08-31'],
        ['Z6', '2026-12-29', '2026-11-30'],
      ],
    ));
});

describe('ZN, ZB: 7 business days before the last business day; first notice the last business day of the prior month', () => {
  // [RECALL] ZNH5 last trade 20 Mar 2025, first notice 28 Feb 2025; ZNM5 last trade 18 Jun 2025
  // (Juneteenth skipped); ZNZ5 first notice 28 Nov 2025. The rest [RULE].
  it('matches the published dates', () =>
    expectDates(
      ['ZN', 'ZB'],
      [
        ['H5', '2025-03-20', '2025-02-28'],
        ['M5', '2025-06-18', '2025-05-30'],
        ['U5', '2025-09-19', '2025-08-29'],
        ['Z5', '2025-12-19', '2025-11-28'],
        ['H6', '2026-03-20', '2026-02-27'],
        ['M6', '2026-06-18', '2026-05-29'],
        ['U6', '2026-09-21', '2026-08-31'],
        ['Z6', '2026-12-21', '2026-11-30'],
      ],
    ));
});

describe('6E: 2 business days before the 3rd Wednesday, physical', () => {
  // [RECALL] 6EH5 17 Mar 2025, 6EM5 16 Jun 2025, 6EU5 15 Sep 2025, 6EZ5 15 Dec 2025; 2026 [RULE].
  // Notices are given on the last trade date (delivery on the 3rd Wednesday).
  it('matches the published dates', () =>
    expectDates(
      ['6E'],
      [
        ['H5', '2025-03-17', '2025-03-17'],
        ['M5', '2025-06-16', '2025-06-16'],
        ['U5', '2025-09-15', '2025-09-15'],
        ['Z5', '2025-12-15', '2025-12-15'],
        ['H6', '2026-03-16', '2026-03-16'],
        ['M6', '2026-06-15', '2026-06-15'],
        ['U6', '2026-09-14', '2026-09-14'],
        ['Z6', '2026-12-14', '2026-12-14'],
      ],
    ));
});

describe('BTC, MBT, ETH, MET: last Friday that is a London and U.S. business day', () => {
  // [RECALL] BTCH5 28 Mar 2025, BTCJ5 25 Apr 2025. [RULE] BTCZ5: the last Friday, 26 Dec 2025, is
  // Boxing Day (a London holiday) and 25 Dec is Christmas, so 24 Dec; BTCZ6: 25 Dec 2026 is
  // Christmas, so 24 Dec.
  it('matches the published dates', () => {
    const lastTrades = [
      '2025-01-31',
      '2025-02-28',
      '2025-03-28',
      '2025-04-25',
      '2025-05-30',
      '2025-06-27',
      '2025-07-25',
      '2025-08-29',
      '2025-09-26',
      '2025-10-31',
      '2025-11-28',
      '2025-12-24',
      '2026-01-30',
      '2026-02-27',
      '2026-03-27',
      '2026-04-24',
      '2026-05-29',
      '2026-06-26',
      '2026-07-31',
      '2026-08-28',
      '2026-09-25',
      '2026-10-30',
      '2026-11-27',
      '2026-12-24',
    ];
    const codes = [
      'F5',
      'G5',
      'H5',
      'J5',
      'K5',
      'M5',
      'N5',
      'Q5',
      'U5',
      'V5',
      'X5',
      'Z5',
      'F6',
      'G6',
      'H6',
      'J6',
      'K6',
      'M6',
      'N6',
      'Q6',
      'U6',
      'V6',
      'X6',
      'Z6',
    ];
    expectDates(
      ['BTC', 'MBT', 'ETH', 'MET'],
      codes.map((c, i): Row => [c, lastTrades[i] ?? 'missing', null]),
    );
  });
});

describe('roll dates', () => {
  it('physical: 5 and 2 business days before first notice (GCZ5)', () => {
    const [gcz5] = get('GC', '2025-12', '2025-12');
    // First notice Fri 28 Nov 2025; Thanksgiving (27 Nov) is not a business day.
    expect(gcz5).toMatchObject({
      code: 'GCZ5',
      firstNoticeDate: '2025-11-28',
      rollStartDate: '2025-11-20',
      forcedRollDate: '2025-11-25',
    });
  });
  it('physical with notices after expiry: counted from the last trade (CLF6)', () => {
    const [clf6] = get('CL', '2026-01', '2026-01');
    // Last trade Fri 19 Dec 2025, first notice Tue 23 Dec: forced out 2 business days before the last trade.
    expect(clf6).toMatchObject({
      lastTradeDate: '2025-12-19',
      firstNoticeDate: '2025-12-23',
      rollStartDate: '2025-12-12',
      forcedRollDate: '2025-12-17',
    });
  });
  it('cash: 8 and 2 business days before last trade (ESH5)', () => {
    const [esh5] = get('ES', '2025-03', '2025-03');
    expect(esh5).toMatchObject({
      code: 'ESH5',
      lastTradeDate: '2025-03-21',
      rollStartDate: '2025-03-11',
      forcedRollDate: '2025-03-19',
    });
  });
  it('a policy passed in replaces the default', () => {
    const r = contracts('ES', '2025-03', '2025-03', { rollStartBusinessDays: 3, forcedRollBusinessDays: 1 });
    expect(r).toEqual(
      E.right([expect.objectContaining({ rollStartDate: '2025-03-18', forcedRollDate: '2025-03-20' })]),
    );
  });
  it('every product, every month of 2024-02..2027-12: rollStart < forcedRoll < the earlier of first notice and last trade', () => {
    for (const p of PRODUCTS) {
      for (const c of get(p.root, '2024-02', '2027-12')) {
        const anchor =
          c.firstNoticeDate !== null && c.firstNoticeDate < c.lastTradeDate
            ? c.firstNoticeDate
            : c.lastTradeDate;
        expect([c.code, c.rollStartDate < c.forcedRollDate && c.forcedRollDate < anchor]).toEqual([
          c.code,
          true,
        ]);
        if (p.settlement === 'cash') expect(c.firstNoticeDate).toBeNull();
      }
    }
    expect(DEFAULT_ROLL_POLICY.physical.forcedRollBusinessDays).toBe(2);
  });
});

describe('bad input names the argument and the value', () => {
  it.each([
    [['XX', '2025-01', '2025-12'], 'root', 'XX'],
    [['ES', '2025-13', '2025-12'], 'from', '2025-13'],
    [['ES', '2025-01', '2025/12'], 'to', '2025/12'],
    [['ES', '2025-06', '2025-03'], 'from', '2025-06'],
    [['ES', '2023-06', '2025-03'], 'from', '2023-06'],
    [['ES', '2025-01', '2031-01'], 'to', '2031-01'],
  ] as const)('%j → %s', (args, path, value) => {
    const r = contracts(args[0], args[1], args[2]);
    expect(r).toEqual(E.left(expect.objectContaining({ _tag: 'ValidationError', path, value })));
  });
  it('a policy with forcedRoll > rollStart', () => {
    expect(
      E.isLeft(
        contracts('ES', '2025-01', '2025-12', { rollStartBusinessDays: 1, forcedRollBusinessDays: 3 }),
      ),
    ).toBe(true);
  });
});
