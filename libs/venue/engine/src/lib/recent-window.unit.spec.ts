import * as fc from 'fast-check';
import {
  findRecent,
  hasRecent,
  pruneRecent,
  putRecent,
  RECENT_BUCKET_MS,
  RECENT_HORIZON_MS,
  recentSize,
  RecentWindow,
  emptyRecent,
} from './recent-window';

describe('recent window', () => {
  it('property: every key put within the horizon is found with its last value; a key older than horizon + one bucket is not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 * 3_600_000 }), fc.integer({ min: 0, max: 300 })), {
          maxLength: 400,
        }),
        (steps) => {
          let w: RecentWindow<number> = emptyRecent;
          let at = 0;
          const firstPut = new Map<string, number>();
          const last = new Map<string, number>();
          for (const [dt, k] of steps) {
            at += dt;
            w = pruneRecent(w, at);
            const key = `k${k}`;
            // A key forgotten by the window is new again.
            if (!hasRecent(w, key)) firstPut.set(key, at);
            w = putRecent(w, at, key, dt);
            last.set(key, dt);
          }
          for (const [key, first] of firstPut) {
            if (at - first < RECENT_HORIZON_MS) expect(findRecent(w, key)).toBe(last.get(key));
            if (at - first >= RECENT_HORIZON_MS + RECENT_BUCKET_MS) expect(hasRecent(w, key)).toBe(false);
          }
          expect(recentSize(w)).toBeLessThanOrEqual(firstPut.size);
        },
      ),
    );
  });

  it('a put copies what it changes and leaves the window it was given as it was (the fold is pure)', () => {
    const a = putRecent(emptyRecent, 0, 'x', 1);
    const b = putRecent(a, 1000, 'y', 2);
    const c = putRecent(b, 2000, 'x', 3);
    expect([findRecent(a, 'x'), findRecent(a, 'y')]).toEqual([1, undefined]);
    expect([findRecent(b, 'x'), findRecent(b, 'y')]).toEqual([1, 2]);
    expect([findRecent(c, 'x'), findRecent(c, 'y')]).toEqual([3, 2]);
    expect(pruneRecent(c, 1000)).toBe(c);
  });
});
