/**
 * Event time as epoch ms, fast: replays read millions of `occurredAt` stamps, nearly all in
 * the same minute as the one before, so the minute's start is cached and only seconds and
 * fractions are read per stamp. Falls back to `Date.parse` for any other shape.
 */
let cachedPrefix = '';
let cachedMinuteMs = 0;

const FIXED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** `2026-01-01T00:00:05.250Z` → epoch ms; NaN when it is not a timestamp. */
export const isoMs = (s: string): number => {
  // 'YYYY-MM-DDTHH:MM' is 16 characters; ':SS' follows.
  // Fast path: same minute as the last stamp, and `:SS.sssZ` or `:SSZ` after it (checked char by char).
  if (
    cachedPrefix.length === 16 &&
    s.startsWith(cachedPrefix) &&
    s.charCodeAt(16) === 58 /* : */ &&
    digitsOk(s)
  ) {
    return cachedMinuteMs + secondsMs(s);
  }
  const ms = Date.parse(s);
  if (Number.isNaN(ms) || !FIXED.test(s)) return ms;
  cachedPrefix = s.slice(0, 16);
  cachedMinuteMs = ms - secondsMs(s);
  return ms;
};

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const digitsOk = (s: string): boolean => {
  const n = s.length;
  if (s.charCodeAt(n - 1) !== 90 /* Z */ || !isDigit(s.charCodeAt(17)) || !isDigit(s.charCodeAt(18)))
    return false;
  if (n === 20) return true;
  if (n < 22 || n > 24 || s.charCodeAt(19) !== 46 /* . */) return false;
  for (let i = 20; i < n - 1; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
};

const secondsMs = (s: string): number => {
  const sec = (s.charCodeAt(17) - 48) * 10 + (s.charCodeAt(18) - 48);
  let frac = 0;
  if (s.charCodeAt(19) === 46 /* . */) {
    const digits = s.length - 21;
    const f = Number(s.slice(20, 20 + digits));
    frac = digits === 1 ? f * 100 : digits === 2 ? f * 10 : f;
  }
  return sec * 1000 + frac;
};
