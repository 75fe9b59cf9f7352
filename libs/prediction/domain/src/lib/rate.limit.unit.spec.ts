/**
 * The per-model token bucket: a burst, then refusals that say when to come back; refill
 * linear in elapsed time and capped at the burst; a refused request takes nothing; and a
 * clock that steps back never mints tokens.
 */
import fc from 'fast-check';
import { Bucket, fullBucket, RateLimit, take, Taken } from './rate.limit';

const T0 = Date.parse('2026-03-02T12:00:00.000Z');
const limit: RateLimit = { ratePerSec: 2, burst: 5 };
const empty = (at: number): Bucket => ({ tokens: 0, at });

const ok = (t: Taken): Bucket => {
  if (!t.ok) throw new Error(`expected the tokens taken, got a refusal (retry after ${t.retryAfterSec} s)`);
  return t.bucket;
};
const refusedAfter = (t: Taken): number => {
  if (t.ok) throw new Error(`expected a refusal, got ${JSON.stringify(t.bucket)}`);
  return t.retryAfterSec;
};
/** How many tokens the bucket holds at `now` (a free look: cost 0). */
const tokensAt = (b: Bucket, now: number, l: RateLimit = limit): number => ok(take(b, 0, now, l)).tokens;

describe('rate limit (token bucket)', () => {
  it('lets a full burst through at once, then refuses the next request', () => {
    let b = fullBucket(limit, T0);
    for (let i = 0; i < limit.burst; i++) b = ok(take(b, 1, T0, limit));
    expect(b.tokens).toBe(0);
    expect(take(b, 1, T0, limit)).toEqual({ ok: false, bucket: { tokens: 0, at: T0 }, retryAfterSec: 1 });
  });

  it('charges a batch its number of predictions', () => {
    const b = ok(take(fullBucket(limit, T0), 3, T0, limit));
    expect(b.tokens).toBe(2);
    expect(take(b, 3, T0, limit).ok).toBe(false);
    expect(ok(take(b, 2, T0, limit)).tokens).toBe(0);
  });

  it('takes nothing from a refused request', () => {
    const b = { tokens: 1.5, at: T0 };
    const r = take(b, 3, T0, limit);
    expect(r.ok).toBe(false);
    expect(r.bucket).toEqual(b);
    // The 1.5 tokens are still there for a request that fits.
    expect(ok(take(r.bucket, 1, T0, limit)).tokens).toBe(0.5);
  });

  it('says when to come back: the ceiling of the wait in seconds', () => {
    const slow: RateLimit = { ratePerSec: 0.5, burst: 10 };
    // 1 token missing at 0.5/s: 2 s.
    expect(refusedAfter(take(empty(T0), 1, T0, slow))).toBe(2);
    // 3 tokens missing: 6 s.
    expect(refusedAfter(take(empty(T0), 3, T0, slow))).toBe(6);
    // 0.25 s in, 0.125 tokens are there: 0.875 missing is 1.75 s, said as 2.
    expect(refusedAfter(take(empty(T0), 1, T0 + 250, slow))).toBe(2);
    // 2.5 tokens missing at 1/s: 2.5 s, said as 3.
    expect(refusedAfter(take({ tokens: 0.5, at: T0 }, 3, T0, { ratePerSec: 1, burst: 5 }))).toBe(3);
  });

  it('never says less than 1 second, however close the refill', () => {
    const fast: RateLimit = { ratePerSec: 1000, burst: 10 };
    expect(refusedAfter(take({ tokens: 0.999, at: T0 }, 1, T0, fast))).toBe(1);
    expect(refusedAfter(take(empty(T0), 1, T0, fast))).toBe(1);
  });

  it('is right to wait: a retry after retryAfterSec is let through, and one a second sooner was not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }), // rate
        fc.integer({ min: 1, max: 100 }), // burst
        fc.integer({ min: 0, max: 10_000 }), // ms since the bucket was emptied
        fc.integer({ min: 1, max: 100 }), // cost
        (ratePerSec, burst, elapsed, costRaw) => {
          const l = { ratePerSec, burst };
          const cost = Math.min(costRaw, burst);
          const r = take(empty(T0), cost, T0 + elapsed, l);
          if (r.ok) return;
          const back = T0 + elapsed + r.retryAfterSec * 1000;
          expect(take(r.bucket, cost, back, l).ok).toBe(true);
          // A second (and a millisecond, for floating-point rounding) earlier would not have
          // been enough, unless the answer is the 1 s floor.
          if (r.retryAfterSec > 1) expect(take(r.bucket, cost, back - 1001, l).ok).toBe(false);
        },
      ),
    );
  });

  it('refills linearly with the time elapsed', () => {
    const b = empty(T0);
    expect(tokensAt(b, T0 + 500)).toBe(1);
    expect(tokensAt(b, T0 + 1000)).toBe(2);
    expect(tokensAt(b, T0 + 1750)).toBe(3.5);
    // Taking at a time moves the refill mark there: nothing is counted twice.
    const after = ok(take(b, 1, T0 + 1000, limit));
    expect(after).toEqual({ tokens: 1, at: T0 + 1000 });
    expect(tokensAt(after, T0 + 1500)).toBe(2);
  });

  it('caps the refill at the burst, however long the bucket was idle', () => {
    expect(tokensAt(empty(T0), T0 + 2500)).toBe(5);
    expect(tokensAt(empty(T0), T0 + 86_400_000)).toBe(5);
    let b = ok(take(empty(T0), 5, T0 + 3_600_000, limit));
    expect(b.tokens).toBe(0);
    expect(take(b, 1, T0 + 3_600_000, limit).ok).toBe(false);
    b = ok(take(fullBucket(limit, T0), 0, T0 + 10_000, limit));
    expect(b.tokens).toBe(limit.burst);
  });

  it('for any elapsed time, holds min(burst, tokens + elapsed × rate)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (start, elapsed, ratePerSec) => {
          const l = { ratePerSec, burst: 5 };
          const expected = Math.min(5, start + (elapsed / 1000) * ratePerSec);
          expect(tokensAt({ tokens: start, at: T0 }, T0 + elapsed, l)).toBeCloseTo(expected, 9);
        },
      ),
    );
  });

  it('mints no tokens when the clock steps back', () => {
    const b = empty(T0);
    // Ten seconds back: nothing refills, and the refill mark stays where it was.
    const back = take(b, 1, T0 - 10_000, limit);
    expect(back.ok).toBe(false);
    expect(back.bucket).toEqual({ tokens: 0, at: T0 });
    // Forward again: only the time after T0 counts, not the 10 s the clock went back.
    expect(tokensAt(back.bucket, T0 + 500)).toBe(1);
    expect(tokensAt(ok(take(b, 0, T0 - 10_000, limit)), T0 + 500)).toBe(1);
  });

  it('never holds more than it would on a clock that only goes forward, whatever the readings', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -60_000, max: 60_000 }), { maxLength: 30 }), (steps) => {
        let b = empty(T0);
        let latest = T0;
        for (const s of steps) {
          const now = T0 + s;
          latest = Math.max(latest, now);
          b = take(b, 0, now, limit).bucket;
          expect(b.at).toBe(latest);
          expect(b.tokens).toBeLessThanOrEqual(
            Math.min(limit.burst, ((latest - T0) / 1000) * limit.ratePerSec) + 1e-9,
          );
        }
      }),
    );
  });

  it('refuses a cost over the burst for good, with a finite Retry-After (60 s)', () => {
    const r = take(fullBucket(limit, T0), limit.burst + 1, T0 + 86_400_000, limit);
    expect(r).toEqual({ ok: false, bucket: { tokens: limit.burst, at: T0 + 86_400_000 }, retryAfterSec: 60 });
    expect(Number.isFinite(refusedAfter(take(empty(T0), 1000, T0, limit)))).toBe(true);
  });

  it('takes a cost of exactly the burst from a full bucket', () => {
    expect(ok(take(fullBucket(limit, T0), limit.burst, T0, limit)).tokens).toBe(0);
  });
});
