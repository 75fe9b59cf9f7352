/**
 * Product specifications for the CME futures Keel trades: exchange, settlement, contract
 * size, tick, the months we trade (the roll cycle) and the rule text the dates come from.
 *
 * `listedMonths` is the cycle we hold and roll through, not every month the exchange lists
 * (CME lists serial months for 6E and GC, for instance; liquidity sits in the cycle below).
 * Money-like numbers are decimal strings (ARCHITECTURE.md invariant 7).
 *
 * Sources (stored copies returned by the search tool, read 2026-11-21; "as known" means the
 * rule was not found in a stored page and is written from the exchange rulebook as known —
 * its dates are derived from the rule, not read from a published table):
 *  - ES/MES/NQ/MNQ/RTY/M2K/YM/MYM: https://www.cmegroup.com/trading/equity-index/us-index/e-mini-sandp500_contractSpecs_futures.html
 *    ("Trading can occur up to 9:30 a.m. ET on the 3rd Friday of the contract month"; quarterly
 *    H M U Z; financially settled). The micros and the other indices follow the same rule (as known).
 *  - CL: https://cmegroup.com/trading/energy/crude-oil/light-sweet-crude_contractSpecs_futures.html
 *  - MCL: https://cmegroup.com/education/articles-and-reports/micro-wti-crude-oil-futures-faq.html
 *    (settlement financial; expires 1 business day prior to the WTI expiration; $1 tick).
 *  - NG: https://www.cmegroup.com/trading/energy/natural-gas/natural-gas_contract_specifications.html
 *    ("Trading terminates on the 3rd last business day of the month prior to the contract month").
 *  - GC: https://www.cmegroup.com/trading/metals/precious/gold_contractSpecs_futures.html
 *    (12:30 CT on the third last business day of the contract month; deliverable).
 *  - SI: https://www.lakefrontfutures.com/silver/ (third last business day; physical). MGC, SIL, HG:
 *    same COMEX rule (as known).
 *  - ZN: https://cmegroup.com/trading/interest-rates/us-treasury/10-year-us-treasury-note_contractSpecs_futures.html
 *    (12:01 CT, 7 business days prior to the last business day of the contract month). ZB: same
 *    rule (as known). First notice: last business day of the month before (CBOT rule, as known).
 *  - 6E: http://www.marketswiki.com/wiki/CME_Group_Euro_FX and
 *    http://www.cmegroup.com/trading/fx/e-micros/e-micro-euro_contract_specifications.html
 *    (9:16 CT on the second business day before the third Wednesday; deliverable).
 *  - BTC: https://www.cmegroup.com/trading/equity-index/us-index/bitcoin_contractSpecs_options.html
 *    and https://www.marketsmedia.com/cme-announces-specifics-bitcoin-futures/ (16:00 London on the
 *    last Friday; if not both a London and U.S. business day, the prior day that is).
 *  - First notice dates, 2026 (a futures broker's table, not CME's own calendar page):
 *    https://www.discounttrading.com/first-notice-dates.html — CL, NG, GC, SI, HG by month.
 *  - MET: https://edgeclear.com/cme-micro-ether-futures/ (0.10 ether, $0.50 tick = $0.05,
 *    financially settled, same last-Friday rule). ETH, MBT: same rule (as known).
 */
import type { ProductGroup } from './holidays.data';
import type { LocalTime } from './local-date';

export type Settlement = 'cash' | 'physical';
export type Exchange = 'CME' | 'CBOT' | 'NYMEX' | 'COMEX';

/** How the last trade date is found. Every rule that lands on a non-business day says what then. */
export type LastTradeRule =
  /** The n-th given weekday of the contract month; the business day before if it is a holiday. */
  | { readonly kind: 'nthWeekday'; readonly isoWeekday: number; readonly n: number }
  /** CL: 3 business days before the 25th of the prior month; 4 if the 25th is not a business day. */
  | { readonly kind: 'crudeOil' }
  /** A number of business days before another product's last trade date (MCL: 1 before CL). */
  | {
      readonly kind: 'beforeOtherProduct';
      readonly root: string;
      readonly rule: LastTradeRule;
      readonly businessDays: number;
    }
  /** The n-th last business day of the month before the contract month (NG: 3rd last). */
  | { readonly kind: 'nthLastBusinessDayOfPriorMonth'; readonly n: number }
  /** The n-th last business day of the contract month (COMEX metals: 3rd last). */
  | { readonly kind: 'nthLastBusinessDay'; readonly n: number }
  /** n business days before the last business day of the contract month (ZN, ZB: 7). */
  | { readonly kind: 'beforeLastBusinessDay'; readonly businessDays: number }
  /** n business days before the n-th given weekday (6E: 2 before the 3rd Wednesday). */
  | {
      readonly kind: 'beforeNthWeekday';
      readonly isoWeekday: number;
      readonly n: number;
      readonly businessDays: number;
    }
  /** The last Friday of the contract month, or the prior day that is a London and U.S. business day. */
  | { readonly kind: 'lastFridayLondonAndUs' };

/** How the first notice date is found; `none` for cash-settled products. */
export type FirstNoticeRule =
  | { readonly kind: 'none' }
  /** The last business day of the month before the contract month (COMEX metals, CBOT Treasuries). */
  | { readonly kind: 'lastBusinessDayOfPriorMonth' }
  /** n business days after the last trade date (NYMEX energy: delivery notices follow expiry). */
  | { readonly kind: 'afterLastTrade'; readonly businessDays: number }
  /** Notices are given on the last trade date itself (CME FX: delivery two days later). */
  | { readonly kind: 'onLastTrade' };

export interface ProductSpec {
  readonly root: string;
  readonly name: string;
  readonly exchange: Exchange;
  /** Which holiday / trading-hours schedule applies. */
  readonly group: ProductGroup;
  readonly settlement: Settlement;
  /** Contract size in units of the price (e.g. 50 for $50 × index, 1000 barrels). */
  readonly multiplier: string;
  readonly tickSize: string;
  /** tickSize × multiplier, in USD. */
  readonly tickValue: string;
  /** Month numbers (1–12) of the contracts we trade. */
  readonly listedMonths: readonly number[];
  readonly lastTradeRule: LastTradeRule;
  /** Chicago time at which the expiring contract stops trading on its last trade date. */
  readonly lastTradeTime: LocalTime;
  readonly firstNoticeRule: FirstNoticeRule;
  /** The exchange's rule text, shortened. */
  readonly ruleText: string;
}

const QUARTERLY = [3, 6, 9, 12] as const;
const MONTHLY = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;
/** COMEX gold's active months: Feb, Apr, Jun, Aug, Oct, Dec. */
const GOLD_ACTIVE = [2, 4, 6, 8, 10, 12] as const;
/** COMEX silver and copper active months: Mar, May, Jul, Sep, Dec. */
const SILVER_COPPER_ACTIVE = [3, 5, 7, 9, 12] as const;

const THIRD_FRIDAY: LastTradeRule = { kind: 'nthWeekday', isoWeekday: 5, n: 3 };
const EQUITY_TEXT =
  'Cash settled; trading terminates at 9:30 a.m. ET (08:30 CT) on the 3rd Friday of the contract month.';
const equity = (
  root: string,
  name: string,
  exchange: Exchange,
  multiplier: string,
  tickSize: string,
  tickValue: string,
): ProductSpec => ({
  root,
  name,
  exchange,
  group: 'equity',
  settlement: 'cash',
  multiplier,
  tickSize,
  tickValue,
  listedMonths: QUARTERLY,
  lastTradeRule: THIRD_FRIDAY,
  lastTradeTime: '08:30',
  firstNoticeRule: { kind: 'none' },
  ruleText: EQUITY_TEXT,
});

const METALS_LTD: LastTradeRule = { kind: 'nthLastBusinessDay', n: 3 };
const METALS_FND: FirstNoticeRule = { kind: 'lastBusinessDayOfPriorMonth' };
const METALS_TEXT =
  'Physically delivered; trading terminates on the third last business day of the contract month; first notice on the last business day of the month before.';
const metal = (
  root: string,
  name: string,
  multiplier: string,
  tickSize: string,
  tickValue: string,
  listedMonths: readonly number[],
): ProductSpec => ({
  root,
  name,
  exchange: 'COMEX',
  group: 'metals',
  settlement: 'physical',
  multiplier,
  tickSize,
  tickValue,
  listedMonths,
  lastTradeRule: METALS_LTD,
  lastTradeTime: '12:30',
  firstNoticeRule: METALS_FND,
  ruleText: METALS_TEXT,
});

const LAST_FRIDAY: LastTradeRule = { kind: 'lastFridayLondonAndUs' };
const CRYPTO_TEXT =
  'Cash settled; trading terminates at 4:00 p.m. London time on the last Friday of the contract month; if that is not both a London and U.S. business day, on the prior day that is.';
const crypto = (
  root: string,
  name: string,
  multiplier: string,
  tickSize: string,
  tickValue: string,
): ProductSpec => ({
  root,
  name,
  exchange: 'CME',
  group: 'crypto',
  settlement: 'cash',
  multiplier,
  tickSize,
  tickValue,
  listedMonths: MONTHLY,
  lastTradeRule: LAST_FRIDAY,
  // 16:00 London is 10:00 CT most of the year (both zones shift, but not on the same dates);
  // the date is what the calendar needs, the exact minute comes from the venue.
  lastTradeTime: '10:00',
  firstNoticeRule: { kind: 'none' },
  ruleText: CRYPTO_TEXT,
});

const TREASURY_LTD: LastTradeRule = { kind: 'beforeLastBusinessDay', businessDays: 7 };
const TREASURY_TEXT =
  'Physically delivered; trading terminates at 12:01 CT, 7 business days before the last business day of the contract month; first notice on the last business day of the month before.';

export const PRODUCTS: readonly ProductSpec[] = [
  equity('ES', 'E-mini S&P 500', 'CME', '50', '0.25', '12.50'),
  equity('MES', 'Micro E-mini S&P 500', 'CME', '5', '0.25', '1.25'),
  equity('NQ', 'E-mini Nasdaq-100', 'CME', '20', '0.25', '5.00'),
  equity('MNQ', 'Micro E-mini Nasdaq-100', 'CME', '2', '0.25', '0.50'),
  equity('RTY', 'E-mini Russell 2000', 'CME', '50', '0.10', '5.00'),
  equity('M2K', 'Micro E-mini Russell 2000', 'CME', '5', '0.10', '0.50'),
  equity('YM', 'E-mini Dow ($5)', 'CBOT', '5', '1', '5.00'),
  equity('MYM', 'Micro E-mini Dow', 'CBOT', '0.5', '1', '0.50'),
  {
    root: 'CL',
    name: 'WTI Crude Oil',
    exchange: 'NYMEX',
    group: 'energy',
    settlement: 'physical',
    multiplier: '1000',
    tickSize: '0.01',
    tickValue: '10.00',
    listedMonths: MONTHLY,
    lastTradeRule: { kind: 'crudeOil' },
    lastTradeTime: '13:30',
    // Two business days after the last trade: matches the 2026 first-notice table of
    // https://www.discounttrading.com/first-notice-dates.html for every month.
    firstNoticeRule: { kind: 'afterLastTrade', businessDays: 2 },
    ruleText:
      'Physically delivered; trading terminates 3 business days before the 25th calendar day of the month prior to the contract month; 4 business days if the 25th is not a business day.',
  },
  {
    root: 'MCL',
    name: 'Micro WTI Crude Oil',
    exchange: 'NYMEX',
    group: 'energy',
    settlement: 'cash',
    multiplier: '100',
    tickSize: '0.01',
    tickValue: '1.00',
    listedMonths: MONTHLY,
    lastTradeRule: { kind: 'beforeOtherProduct', root: 'CL', rule: { kind: 'crudeOil' }, businessDays: 1 },
    lastTradeTime: '13:30',
    firstNoticeRule: { kind: 'none' },
    ruleText: 'Financially settled; trading terminates 1 business day before the corresponding CL contract.',
  },
  {
    root: 'NG',
    name: 'Henry Hub Natural Gas',
    exchange: 'NYMEX',
    group: 'energy',
    settlement: 'physical',
    multiplier: '10000',
    tickSize: '0.001',
    tickValue: '10.00',
    listedMonths: MONTHLY,
    lastTradeRule: { kind: 'nthLastBusinessDayOfPriorMonth', n: 3 },
    lastTradeTime: '13:30',
    firstNoticeRule: { kind: 'afterLastTrade', businessDays: 1 },
    ruleText:
      'Physically delivered; trading terminates on the 3rd last business day of the month prior to the contract month (3 business days before the first calendar day of the contract month).',
  },
  metal('GC', 'Gold', '100', '0.10', '10.00', GOLD_ACTIVE),
  metal('MGC', 'Micro Gold', '10', '0.10', '1.00', GOLD_ACTIVE),
  metal('SI', 'Silver', '5000', '0.005', '25.00', SILVER_COPPER_ACTIVE),
  metal('SIL', 'Micro Silver (1,000 oz)', '1000', '0.005', '5.00', SILVER_COPPER_ACTIVE),
  metal('HG', 'Copper', '25000', '0.0005', '12.50', SILVER_COPPER_ACTIVE),
  {
    root: 'ZN',
    name: '10-Year T-Note',
    exchange: 'CBOT',
    group: 'interestRates',
    settlement: 'physical',
    multiplier: '1000',
    tickSize: '0.015625',
    tickValue: '15.625',
    listedMonths: QUARTERLY,
    lastTradeRule: TREASURY_LTD,
    lastTradeTime: '12:01',
    firstNoticeRule: { kind: 'lastBusinessDayOfPriorMonth' },
    ruleText: TREASURY_TEXT,
  },
  {
    root: 'ZB',
    name: 'U.S. Treasury Bond',
    exchange: 'CBOT',
    group: 'interestRates',
    settlement: 'physical',
    multiplier: '1000',
    tickSize: '0.03125',
    tickValue: '31.25',
    listedMonths: QUARTERLY,
    lastTradeRule: TREASURY_LTD,
    lastTradeTime: '12:01',
    firstNoticeRule: { kind: 'lastBusinessDayOfPriorMonth' },
    ruleText: TREASURY_TEXT,
  },
  {
    root: '6E',
    name: 'Euro FX',
    exchange: 'CME',
    group: 'fx',
    settlement: 'physical',
    multiplier: '125000',
    tickSize: '0.00005',
    tickValue: '6.25',
    listedMonths: QUARTERLY,
    lastTradeRule: { kind: 'beforeNthWeekday', isoWeekday: 3, n: 3, businessDays: 2 },
    lastTradeTime: '09:16',
    firstNoticeRule: { kind: 'onLastTrade' },
    ruleText:
      'Physically delivered; trading terminates at 9:16 a.m. CT on the second business day before the third Wednesday of the contract month.',
  },
  crypto('BTC', 'Bitcoin', '5', '5', '25.00'),
  crypto('MBT', 'Micro Bitcoin', '0.1', '5', '0.50'),
  crypto('ETH', 'Ether', '50', '0.50', '25.00'),
  crypto('MET', 'Micro Ether', '0.1', '0.50', '0.05'),
];

const byRoot = new Map(PRODUCTS.map((p) => [p.root, p]));

/** The spec for a root, if we know it. */
export const productSpec = (root: string): ProductSpec | undefined => byRoot.get(root);

/** CME month codes, January = F … December = Z. */
export const MONTH_CODES = ['F', 'G', 'H', 'J', 'K', 'M', 'N', 'Q', 'U', 'V', 'X', 'Z'] as const;
