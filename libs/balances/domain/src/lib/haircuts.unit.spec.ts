/** Haircut tables: piecewise tiers by hand, version selection by time, and every validation error. */
import * as E from 'fp-ts/Either';
import Decimal from 'decimal.js';
import {
  BUILTIN_HAIRCUTS,
  HaircutError,
  HaircutTables,
  haircutFrom,
  haircutVersionAt,
  parseHaircutTables,
  HaircutTier,
} from './haircuts';
import { fx, fxText, throughTiers } from './valuation';

/**
 * The collateral of `amount` of `asset` worth `usdValue`, as the valuation counts it: the tiers of
 * the version in force (haircutFrom) applied piecewise in fixed point (throughTiers); a debt in
 * full, a zero amount as nothing; no version in force is an error, never zero.
 */
const collateralOf = (
  tables: HaircutTables,
  venue: string,
  asset: string,
  amount: Decimal,
  usdValue: Decimal,
  at: number,
): E.Either<HaircutError, { readonly value: Decimal; readonly version: string }> =>
  E.map((v: { readonly version: string }) => {
    if (amount.isZero() || !usdValue.isPositive())
      return { value: amount.isZero() ? new Decimal(0) : usdValue, version: v.version };
    const h = haircutFrom(tables)(venue, asset, at)!;
    return { value: new Decimal(fxText(throughTiers(fx(usdValue.toFixed()), h.tiers))), version: h.version };
  })(haircutVersionAt(tables, venue, at));

/** An independent reference for the fixed-point tiers: decimal.js, slice by slice. */
const tieredValue = (tiers: readonly HaircutTier[], usd: Decimal): Decimal => {
  let below = new Decimal(0);
  let sum = new Decimal(0);
  for (const t of tiers) {
    const top = t.upToUsd === null ? usd : Decimal.min(usd, t.upToUsd);
    if (top.gt(below)) sum = sum.plus(top.minus(below).times(t.rate));
    if (t.upToUsd === null || usd.lte(t.upToUsd)) break;
    below = t.upToUsd;
  }
  return sum;
};

const ok = <A>(r: E.Either<HaircutError, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};
const bad = <A>(r: E.Either<HaircutError, A>): HaircutError => {
  if (E.isRight(r)) throw new Error('expected a Left');
  return r.left;
};
const t = (iso: string) => Date.parse(iso);

// The OKX BETH tiers of 2024-07-18 (0.95 to 2m, 0.85 to 4m, 0.5 to 8m, 0 above), and a later version.
const table = {
  okx: [
    {
      version: 'okx@2024-07-18',
      effectiveFrom: '2024-07-18T06:00:00Z',
      source: 'OKX BETH announcement',
      assets: {
        BETH: [
          { upToUsd: '2000000', rate: '0.95' },
          { upToUsd: '4000000', rate: '0.85' },
          { upToUsd: '8000000', rate: '0.5' },
        ],
        USDT: [{ upToUsd: null, rate: '1' }],
      },
    },
    {
      version: 'okx@2025-07-11',
      effectiveFrom: '2025-07-11T14:15:39Z',
      source: 'observed',
      assets: {
        BTC: [
          { upToUsd: '100000', rate: '0.98' },
          { upToUsd: null, rate: '0.9' },
        ],
      },
      default: [{ upToUsd: null, rate: '0.5' }],
    },
  ],
};
const tables: HaircutTables = ok(parseHaircutTables(table, 'test'));
const at2024 = t('2024-08-01T00:00:00Z');
const at2025 = t('2025-08-01T00:00:00Z');
const value = (asset: string, usd: string, at: number) =>
  ok(collateralOf(tables, 'okx', asset, new Decimal(1), new Decimal(usd), at));

describe('haircut tiers, piecewise', () => {
  it('counts a value inside the first tier at its rate', () => {
    // 1,000,000 × 0.95 = 950,000
    expect(value('BETH', '1000000', at2024)).toEqual({
      value: new Decimal('950000'),
      version: 'okx@2024-07-18',
    });
  });

  it('counts each slice at its own tier rate', () => {
    // 2,000,000 × 0.95 + (3,000,000 − 2,000,000) × 0.85 = 1,900,000 + 850,000 = 2,750,000
    expect(value('BETH', '3000000', at2024).value.toFixed()).toBe('2750000');
    // 1,900,000 + 2,000,000 × 0.85 + 1,000,000 × 0.5 = 1,900,000 + 1,700,000 + 500,000 = 4,100,000
    expect(value('BETH', '5000000', at2024).value.toFixed()).toBe('4100000');
  });

  it('counts nothing above a bounded last tier', () => {
    // 1,900,000 + 1,700,000 + 4,000,000 × 0.5 = 5,600,000, and 10m − 8m counts 0
    expect(value('BETH', '10000000', at2024).value.toFixed()).toBe('5600000');
  });

  it('counts a value exactly on a bound wholly in the tiers below it', () => {
    expect(value('BETH', '2000000', at2024).value.toFixed()).toBe('1900000');
  });

  it('runs an unbounded last tier to any size', () => {
    // 100,000 × 0.98 + 150,000 × 0.9 = 98,000 + 135,000 = 233,000
    expect(value('BTC', '250000', at2025).value.toFixed()).toBe('233000');
  });

  it('counts an unlisted asset by the default, or 0 without one', () => {
    expect(value('DOGE', '1000', at2025).value.toFixed()).toBe('500'); // default 0.5
    expect(value('DOGE', '1000', at2024).value.toFixed()).toBe('0'); // 2024 version: no default
  });

  it('counts a debt in full and a zero amount as nothing', () => {
    expect(
      ok(collateralOf(tables, 'okx', 'BETH', new Decimal(-1), new Decimal(-3000), at2024)).value.toFixed(),
    ).toBe('-3000');
    expect(
      ok(collateralOf(tables, 'okx', 'BETH', new Decimal(0), new Decimal(0), at2024)).value.toFixed(),
    ).toBe('0');
  });
});

describe('version by time', () => {
  it('picks the last version in force, from its effectiveFrom on', () => {
    expect(ok(haircutVersionAt(tables, 'okx', t('2024-07-18T06:00:00Z'))).version).toBe('okx@2024-07-18');
    expect(ok(haircutVersionAt(tables, 'okx', t('2025-07-11T14:15:38.999Z'))).version).toBe('okx@2024-07-18');
    expect(ok(haircutVersionAt(tables, 'okx', t('2025-07-11T14:15:39Z'))).version).toBe('okx@2025-07-11');
  });

  it('values BETH with the version in force: the 2025 version lists no BETH and has a 0.5 default', () => {
    expect(value('BETH', '1000000', at2024).value.toFixed()).toBe('950000');
    expect(value('BETH', '1000000', at2025)).toEqual({
      value: new Decimal('500000'),
      version: 'okx@2025-07-11',
    });
  });

  it('finds no version before the first, nor for an unknown venue', () => {
    expect(bad(haircutVersionAt(tables, 'okx', t('2024-07-18T05:59:59Z')))).toMatchObject({
      _tag: 'HaircutVersionNotFound',
      venue: 'okx',
    });
    expect(bad(collateralOf(tables, 'bybit', 'BTC', new Decimal(1), new Decimal(1), at2025))._tag).toBe(
      'HaircutVersionNotFound',
    );
  });
});

describe('table validation', () => {
  const patched = (f: (v: Record<string, unknown>) => void) => {
    const copy = JSON.parse(JSON.stringify(table)) as { okx: Record<string, unknown>[] };
    f(copy.okx[0]!);
    return bad(parseHaircutTables(copy, 'okx.json'));
  };
  const tiers = (v: Record<string, unknown>) =>
    (v['assets'] as Record<string, Record<string, unknown>[]>)['BETH']!;

  it.each([
    [
      'a rate above 1',
      (v: Record<string, unknown>) => (tiers(v)[0]!['rate'] = '1.2'),
      '/okx/0/assets/BETH/0/rate',
      '"1.2"',
    ],
    [
      'a negative rate',
      (v: Record<string, unknown>) => (tiers(v)[1]!['rate'] = '-0.1'),
      '/okx/0/assets/BETH/1/rate',
      '"-0.1"',
    ],
    [
      'a rate as a number',
      (v: Record<string, unknown>) => (tiers(v)[0]!['rate'] = 0.95),
      '/okx/0/assets/BETH/0/rate',
      '0.95',
    ],
    [
      'tiers not ascending',
      (v: Record<string, unknown>) => (tiers(v)[1]!['upToUsd'] = '1000000'),
      '/okx/0/assets/BETH/1/upToUsd',
      '"1000000"',
    ],
    [
      'an unbounded tier before the last',
      (v: Record<string, unknown>) => (tiers(v)[0]!['upToUsd'] = null),
      '/okx/0/assets/BETH/0/upToUsd',
      'null',
    ],
    [
      'a bound not a decimal',
      (v: Record<string, unknown>) => (tiers(v)[2]!['upToUsd'] = '8m'),
      '/okx/0/assets/BETH/2/upToUsd',
      '"8m"',
    ],
    [
      'no tiers',
      (v: Record<string, unknown>) => ((v['assets'] as Record<string, unknown>)['BETH'] = []),
      '/okx/0/assets/BETH',
      '[]',
    ],
    [
      'a version of another venue',
      (v: Record<string, unknown>) => (v['version'] = 'binance@1'),
      '/okx/0/version',
      '"binance@1"',
    ],
    [
      'a time without a zone',
      (v: Record<string, unknown>) => (v['effectiveFrom'] = '2024-07-18T06:00:00'),
      '/okx/0/effectiveFrom',
      '"2024-07-18T06:00:00"',
    ],
    [
      'versions out of order',
      (v: Record<string, unknown>) => (v['effectiveFrom'] = '2026-01-01T00:00:00Z'),
      '/okx/1/effectiveFrom',
      '"2025-07-11T14:15:39Z"',
    ],
    ['no source', (v: Record<string, unknown>) => (v['source'] = ' '), '/okx/0/source', '" "'],
    ['assets not an object', (v: Record<string, unknown>) => (v['assets'] = []), '/okx/0/assets', '[]'],
    [
      'a bad default',
      (v: Record<string, unknown>) => (v['default'] = [{ upToUsd: null, rate: '2' }]),
      '/okx/0/default/0/rate',
      '"2"',
    ],
  ])('rejects %s, naming the JSON pointer and value', (_name, patch, pointer, value) => {
    const e = patched(patch);
    expect(e).toMatchObject({ _tag: 'HaircutTableInvalid', where: 'okx.json', pointer, value });
    expect(e.message).toContain(`okx.json#${pointer}`);
  });

  it('rejects a repeated version, an empty venue list and a non-object file', () => {
    const copy = JSON.parse(JSON.stringify(table)) as { okx: Record<string, unknown>[] };
    copy.okx[1]!['version'] = 'okx@2024-07-18';
    expect(bad(parseHaircutTables(copy, 'f'))).toMatchObject({ pointer: '/okx/1/version' });
    expect(bad(parseHaircutTables({ okx: [] }, 'f'))).toMatchObject({ pointer: '/okx', value: '[]' });
    expect(bad(parseHaircutTables([], 'f'))).toMatchObject({ pointer: '', value: '[]' });
  });
});

describe('the built-in tables', () => {
  const builtin = ok(BUILTIN_HAIRCUTS);

  it('parse, for every venue Keel models', () => {
    expect([...builtin.keys()].sort()).toEqual(['binanceusdm', 'hyperliquid', 'okx']);
  });

  it('count Binance Multi-Assets BTC at 95% and USDT at par', () => {
    const now = t('2026-12-01T00:00:00Z');
    // 2 BTC worth 180,000 USD → 171,000
    expect(ok(collateralOf(builtin, 'binanceusdm', 'BTC', new Decimal(2), new Decimal(180000), now))).toEqual(
      {
        value: new Decimal(171000),
        version: 'binanceusdm@2021-05-28',
      },
    );
    expect(
      ok(collateralOf(builtin, 'binanceusdm', 'USDT', new Decimal(5), new Decimal(5), now)).value.toFixed(),
    ).toBe('5');
  });

  it('count OKX BTC at the observed 0.98 within the observed range only', () => {
    const now = t('2026-12-01T00:00:00Z');
    // 125,092 × 0.98 = 122,590.16; the 74,908 above the observed range counts 0.
    expect(
      ok(collateralOf(builtin, 'okx', 'BTC', new Decimal(2), new Decimal(200000), now)).value.toFixed(),
    ).toBe('122590.16');
  });

  it('count Hyperliquid USDC at 1 and other spot tokens at 0', () => {
    const now = t('2026-12-01T00:00:00Z');
    expect(
      ok(collateralOf(builtin, 'hyperliquid', 'USDC', new Decimal(10), new Decimal(10), now)).value.toFixed(),
    ).toBe('10');
    expect(
      ok(collateralOf(builtin, 'hyperliquid', 'HYPE', new Decimal(1), new Decimal(40), now)).value.toFixed(),
    ).toBe('0');
  });
});

describe('the tables as the valuation reads them', () => {
  const tables = ok(BUILTIN_HAIRCUTS);
  const haircut = haircutFrom(tables);

  it('gives the tiers of the version in force, or null before any (unknown, never zero)', () => {
    const h = haircut('binanceusdm', 'BTC', Date.parse('2026-01-01T00:00:00Z'));
    expect(h).toEqual({
      version: 'binanceusdm@2021-05-28',
      tiers: [{ upTo: null, rate: '0.95' }],
      // The only version: it holds from its date on.
      from: ok(haircutVersionAt(tables, 'binanceusdm', Date.parse('2026-01-01T00:00:00Z'))).effectiveFrom,
      until: Infinity,
    });
    expect(haircut('binanceusdm', 'BTC', Date.parse('2020-01-01T00:00:00Z'))).toBeNull();
    expect(haircut('nowhere', 'BTC', Date.parse('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('applies tiers in exact fixed point exactly as the decimal reference does', () => {
    // Random values through every built-in tier list: throughTiers (BigInt) = tieredValue (decimal.js).
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (const [venue, versions] of tables)
      for (const v of versions)
        for (const [asset, tiers] of v.assets) {
          const h = haircut(venue, asset, v.effectiveFrom);
          if (h === null || h.version !== v.version) continue;
          for (let k = 0; k < 20; k++) {
            const usd = new Decimal(Math.floor(random() * 1e9)).div(100).plus(k === 0 ? '4000000' : 0);
            expect(fxText(throughTiers(fx(usd.toFixed()), h.tiers))).toBe(tieredValue(tiers, usd).toFixed());
          }
        }
  });
});
