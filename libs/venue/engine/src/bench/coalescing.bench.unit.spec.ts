import { benchCoalescing } from './coalescing.bench';

describe('coalescing benchmark', () => {
  it('20 symbols × 10 accounts: 800 baseline calls per cycle, 60 through the gateway (its own account reads included)', async () => {
    const r = await benchCoalescing({ symbols: 20, accounts: 10, cycles: 2 });
    // Gateway: 20 books + per account balances, positions, open orders and the account whole.
    expect(r).toMatchObject({
      baselineRestCallsPerCycle: 800,
      restCallsPerCycle: 60,
      reduction: 13.33,
      restWeightPerCycle: 650,
      baselineRestWeightPerCycle: 2600,
      consumers: 200,
    });
    expect(r.reduction).toBeGreaterThanOrEqual(10);
  });

  it("one consumer gains nothing, and pays the gateway's one account read", async () => {
    const r = await benchCoalescing({ symbols: 1, accounts: 1, cycles: 2 });
    expect(r.baselineRestCallsPerCycle).toBe(4);
    expect(r.restCallsPerCycle).toBe(5);
  });
});
