import { gatewayProjection } from './gateway.app';

describe('the gateway projection', () => {
  it('folds on from a snapshot only when it holds a log of every account owned now', () => {
    const two = gatewayProjection(['a', 'b']);
    const one = gatewayProjection(['a']);
    // A snapshot taken while it owned only `a`, then given `b`: `b`'s history would never be folded.
    expect(two.resumesFrom?.(one.initial)).toBe(false);
    expect(two.resumesFrom?.(two.initial)).toBe(true);
    expect(one.resumesFrom?.(two.initial)).toBe(true);
    expect(two.resumesFrom?.({ something: 'else' })).toBe(false);
  });
});
