import { backoffMs, retryAfterMs, verdictOf } from './retry';

describe('the retry policy', () => {
  it('backs off 250 ms doubling, capped at 8 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffMs(n))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    expect(backoffMs(3, { baseMs: 10, maxMs: 25 })).toBe(25);
  });

  it('reads Retry-After as seconds or as an HTTP-date', () => {
    const now = Date.parse('2026-12-03T18:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('1.5', now)).toBe(1500);
    expect(retryAfterMs('Thu, 03 Dec 2026 18:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Thu, 03 Dec 2026 17:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('retries 429 and 5xx, accepts 2xx, refuses every other status', () => {
    expect([200, 201, 429, 500, 502, 503, 400, 401, 403, 404, 409, 413, 422].map(verdictOf)).toEqual([
      'accepted',
      'accepted',
      'retry',
      'retry',
      'retry',
      'retry',
      'refused',
      'refused',
      'refused',
      'refused',
      'refused',
      'refused',
      'refused',
    ]);
  });
});
