import { benchCoalescing } from './coalescing.bench';

describe('coalescing benchmark', () => {
  it('20 symbols × 10 accounts: 800 baseline calls per cycle, 50 through the gateway', async () => {
    const r = await benchCoalescing({ symbols: 20, accounts: 10, cycles: 2 });
    expect(r).toMatchObject({
      baselineRestCallsPerCycle: 800,
      restCallsPerCycle: 50,
      reduction: 16,
      consumers: 200,
    });
    expect(r.reduction).toBeGreaterThanOrEqual(10);
  });

  it('one consumer gains nothing but loses nothing either', async () => {
    const r = await benchCoalescing({ symbols: 1, accounts: 1, cycles: 2 });
    expect(r.baselineRestCallsPerCycle).toBe(4);
    expect(r.restCallsPerCycle).toBe(4);
  });
});
