/** The valuation's exact decimals: any number of places, as venues send them. */
import { fxAdd, fxCmp, fxMul, fxText, parseFx } from './valuation';

describe('exact decimals (Fx)', () => {
  it('adds and compares decimals with more places than the power table holds (a simulator sends 200)', () => {
    const long = `87617.${'403496503496'.repeat(16)}5`; // 193 places
    const sum = fxAdd(parseFx(long), parseFx('0.5'));
    expect(fxText(sum)).toBe(`87617.${'903496503496'}${'403496503496'.repeat(15)}5`);
    expect(fxCmp(parseFx(long), parseFx('87617.4035'))).toBe(-1);
  });

  it('multiplies exactly', () => {
    expect(fxText(fxMul(parseFx('-1.287'), parseFx('87914.45')))).toBe('-113145.89715');
  });
});
