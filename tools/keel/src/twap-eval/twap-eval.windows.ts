/**
 * The windows of `keel twap-eval`: which durations a market can host, and disjoint windows of
 * each duration tiling it. A window needs a lead-in of data before it (so the touch is known)
 * and must not span a hole in the data longer than the gap limit: tiling restarts after each
 * such hole, so no window straddles an outage. At most `maxWindows` per duration, spread
 * evenly and deterministically over the candidates.
 */

const HOUR = 3_600_000;
const TEN_MIN = 600_000;
const MINUTE = 60_000;
export const DAY = 24 * HOUR;

/** A stretch of data with no hole longer than the gap limit: [from, to] (event times). */
export interface Segment {
  readonly from: number;
  readonly to: number;
}

/** The gap-free segments of sorted event times. */
export const segmentsOf = (times: readonly number[], maxGapMs: number): Segment[] => {
  const out: Segment[] = [];
  if (times.length === 0) return out;
  let from = times[0] as number;
  let prev = from;
  for (let i = 1; i < times.length; i++) {
    const t = times[i] as number;
    if (t - prev > maxGapMs) {
      out.push({ from, to: prev });
      from = t;
    }
    prev = t;
  }
  out.push({ from, to: prev });
  return out;
};

/**
 * The longest duration a market hosts, as a round figure: the longest segment less the
 * lead-in, capped at 24 h, floored to whole hours (≥ 1 h), else whole 10 minutes (≥ 10 min),
 * else whole minutes (≥ 2 min, for the few-minute captures); null when shorter.
 */
export const longestDuration = (segments: readonly Segment[], leadInMs: number): number | null => {
  const span = Math.min(DAY, Math.max(0, ...segments.map((s) => s.to - s.from - leadInMs)));
  for (const unit of [HOUR, TEN_MIN, MINUTE]) {
    const whole = Math.floor(span / unit) * unit;
    if (whole >= unit && (unit !== MINUTE || whole >= 2 * MINUTE)) return whole;
  }
  return null;
};

export interface Window {
  /** When the order starts (epoch ms); its data starts `leadInMs` earlier. */
  readonly start: number;
  readonly durationMs: number;
}

/**
 * Every disjoint window of `durationMs` that fits a segment: from the segment's start, a
 * lead-in then the window, then the next lead-in and window, and so on (lead-ins do not
 * overlap the previous window either).
 */
export const tileWindows = (segments: readonly Segment[], durationMs: number, leadInMs: number): Window[] => {
  const out: Window[] = [];
  for (const s of segments)
    for (let start = s.from + leadInMs; start + durationMs <= s.to; start += durationMs + leadInMs)
      out.push({ start, durationMs });
  return out;
};

/** At most `max` of `xs`, spread evenly: the element at the middle of each of `max` equal strata. */
export const spreadEvenly = <T>(xs: readonly T[], max: number): T[] => {
  if (xs.length <= max) return [...xs];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.floor(((i + 0.5) * xs.length) / max)] as T);
  return out;
};

/** A duration as a short label: 90 s → "1.5m", 24 h → "24h", 7 min → "7m". */
export const durationLabel = (ms: number): string => {
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0 || ms >= MINUTE) return `${Math.round((ms / MINUTE) * 100) / 100}m`;
  return `${ms / 1000}s`;
};

/** The durations a market gets: the requested ones that fit, plus the longest (when asked), ascending. */
export const durationsFor = (
  segments: readonly Segment[],
  requested: readonly number[],
  withLongest: boolean,
  leadInMs: number,
): number[] => {
  const longest = Math.max(0, ...segments.map((s) => s.to - s.from - leadInMs));
  const out = new Set(requested.filter((d) => d <= longest));
  const extra = withLongest ? longestDuration(segments, leadInMs) : null;
  if (extra !== null) out.add(extra);
  return [...out].sort((a, b) => a - b);
};
