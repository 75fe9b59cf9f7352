import Decimal from 'decimal.js';
import fc from 'fast-check';
import { BINANCE_USDM_BTCUSDT, Instrument } from '@keel/instruments';
import { feeAsset, feeOf } from './fees';

const d = (v: Decimal.Value): Decimal => new Decimal(v);
const inst = (over: Partial<Instrument> = {}): Instrument => ({ ...BINANCE_USDM_BTCUSDT, ...over });

describe('feeOf', () => {
  it('is qty × price × contractSize × rate, to the last digit', () => {
    expect(feeOf(inst(), d('0.013'), d('68613.9'), 'maker').toString()).toBe('0.17839614');
    expect(feeOf(inst(), d('0.013'), d('68613.9'), 'taker').toString()).toBe('0.44599035');
  });

  it('uses the contract size (OKX ctVal 0.01) and gives a negative fee for a rebate', () => {
    const okx = inst({ contractSize: d('0.01'), makerFee: d('-0.00005') });
    expect(feeOf(okx, d('3'), d('68613.9'), 'maker').toString()).toBe('-0.10292085');
    expect(feeAsset(okx)).toBe('USDT');
  });

  it('keeps digits that default 20-digit decimal.js would round away', () => {
    // 26 significant digits: the default Decimal would round this to 20.
    const fee = feeOf(inst({ takerFee: d('0.00050001') }), d('123456.789123'), d('98765.43219'), 'taker');
    expect(fee.toFixed()).toBe('6096753.4998927382625456937');
  });

  it('property: fee ÷ rate ÷ price = qty, exactly (no rounding anywhere)', () => {
    const dec = fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 15n }), fc.integer({ min: 0, max: 9 }))
      .map(([m, s]) => new Decimal(`${m.toString()}e-${s}`));
    fc.assert(
      fc.property(dec, dec, fc.constantFrom('maker' as const, 'taker' as const), (q, p, liq) => {
        const i = inst();
        const fee = feeOf(i, q, p, liq);
        const rate = liq === 'maker' ? i.makerFee : i.takerFee;
        return fee.eq(new (Decimal.clone({ precision: 300 }))(q).times(p).times(rate));
      }),
    );
  });
});
