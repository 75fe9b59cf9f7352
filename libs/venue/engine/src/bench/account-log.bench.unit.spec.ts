import { benchAccountLogFold } from './account-log.bench';
import { RECENT_HORIZON_MS } from '../lib/recent-window';

describe('gateway-fold benchmark', () => {
  it('folds the whole history and reports its state bounded by the horizon (half the history: smaller; all of it: 48 h worth, not twice the half)', () => {
    // 3,000 orders 90 s apart: 75 h, longer than the 48 h horizon.
    const r = benchAccountLogFold({ orders: 3000, window: 300, spacingMs: 90_000, rounds: 1 });
    expect(3000 * 90_000).toBeGreaterThan(RECENT_HORIZON_MS);
    expect(r).toMatchObject({ orders: 3000, events: 12_000, window: 300, liveOrdersAtEnd: 0 });
    expect(r.earlyUsPerEvent).toBeGreaterThan(0);
    expect(r.lateUsPerEvent).toBeGreaterThan(0);
    // Half the history (37.5 h) is inside the horizon; all of it (75 h) is not: the end holds 48–54 h (kept whole: 2×).
    expect(r.stateBytesAtEnd / r.stateBytesAtHalf).toBeGreaterThan(1.2);
    expect(r.stateBytesAtEnd / r.stateBytesAtHalf).toBeLessThan(1.5);
  });
});
