/**
 * An example model: the classic fast/slow simple-moving-average crossover, as a signal in
 * [-1, 1]. It is here to feed the predictions API something real (recorded bars) in demos and
 * tests, not as a trading idea.
 *
 * The value. With `fastMa` and `slowMa` the means of the last `fast` and `slow` closes,
 *
 *     value = clamp((fastMa − slowMa) / slowMa / scale, −1, 1), rounded to 4 decimals,
 *
 * i.e. the gap between the averages in units of `scale` (default 0.002 = 20 bp, about the gap
 * a clear intraday trend opens between 20- and 60-minute means of BTC): positive when the
 * fast mean is above the slow one (up-trend), saturating at ±1 from a gap of 20 bp. A graded
 * value rather than ±1 at each cross, so the optimizer sees a weak trend as weak.
 * Rounding makes the emitted value, and with it a prediction's content, reproducible and
 * short on the wire; 1e-4 is far below anything the optimizer distinguishes.
 *
 * When it emits (a prediction per bar would mostly repeat itself):
 *  - at the first bar with `slow` closes: the model's opening view;
 *  - at every crossover: the value changes sign (a value of 0, a gap under half a unit of
 *    the 4th decimal, is no side; the cross is counted against the last non-zero side),
 *    whatever the size of the change;
 *  - when the value has moved by `minStep` (default 0.1) or more from the last emitted one.
 * Nothing is emitted before `slow` bars. Windows count bars, not minutes: a gap in the data (a
 * weekend, a minute without trades) is not filled.
 *
 * Pure and deterministic: the same bars and options give the same signals.
 */

export interface PriceBar {
  /** The bar's close time, epoch ms (the instant the close is known). */
  readonly t: number;
  readonly close: number;
}

export interface MaCrossOptions {
  /** Bars in the fast mean. Default 20. */
  readonly fast?: number;
  /** Bars in the slow mean; more than `fast`. Default 60. */
  readonly slow?: number;
  /** The relative gap that maps to a full signal (±1). Default 0.002. */
  readonly scale?: number;
  /** The least change of value worth a new signal (crossovers always are); 0: every bar. Default 0.1. */
  readonly minStep?: number;
}

export const MA_CROSS_DEFAULTS = { fast: 20, slow: 60, scale: 0.002, minStep: 0.1 } as const;

export interface MaCrossSignal {
  /** The close time of the bar it was computed at. */
  readonly t: number;
  readonly value: number;
  readonly fastMa: number;
  readonly slowMa: number;
  /** Set when this bar is a crossover: the fast mean went above (`up`) or below (`down`) the slow. */
  readonly cross: 'up' | 'down' | null;
}

type Side = -1 | 0 | 1;

export interface MaCrossState {
  /** The last `slow` closes (fewer at the start), oldest first. */
  readonly closes: readonly number[];
  readonly lastT: number;
  /** The sign of the last non-zero value (0 before the first). */
  readonly side: Side;
  /** The last emitted value; undefined before the first signal. */
  readonly emitted: number | undefined;
}

export const initialMaCrossState: MaCrossState = {
  closes: [],
  lastT: -Infinity,
  side: 0,
  emitted: undefined,
};

type Resolved = Required<MaCrossOptions>;

/** The options with their defaults; a RangeError naming the option when one is out of range. */
export const resolveMaCrossOptions = (o: MaCrossOptions = {}): Resolved => {
  // Field by field, so an option given as `undefined` takes its default too.
  const d = MA_CROSS_DEFAULTS;
  const r = {
    fast: o.fast ?? d.fast,
    slow: o.slow ?? d.slow,
    scale: o.scale ?? d.scale,
    minStep: o.minStep ?? d.minStep,
  };
  if (!Number.isInteger(r.fast) || r.fast < 1)
    throw new RangeError(`fast must be an integer ≥ 1 (got ${r.fast})`);
  if (!Number.isInteger(r.slow) || r.slow <= r.fast)
    throw new RangeError(`slow must be an integer > fast (${r.fast}) (got ${r.slow})`);
  if (!(r.scale > 0)) throw new RangeError(`scale must be > 0 (got ${r.scale})`);
  if (!(r.minStep >= 0)) throw new RangeError(`minStep must be ≥ 0 (got ${r.minStep})`);
  return r;
};

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** The signal for two means: the relative gap in units of `scale`, clamped, 4 decimals (never −0). */
export const maCrossValue = (fastMa: number, slowMa: number, scale: number): number =>
  Math.round(clamp((fastMa - slowMa) / slowMa / scale, -1, 1) * 1e4) / 1e4 + 0;

/**
 * One bar in: the next state and the signal to emit at this bar, if any. A RangeError when
 * the bar is not after the previous one or its close is not a positive number (a bug in the
 * caller's data, which a silent skip would hide).
 */
export const stepMaCross = (
  s: MaCrossState,
  bar: PriceBar,
  o: Resolved,
): { readonly state: MaCrossState; readonly signal: MaCrossSignal | undefined } => {
  if (!(bar.t > s.lastT))
    throw new RangeError(`bars must be in time order: ${bar.t} is not after ${s.lastT}`);
  if (!(Number.isFinite(bar.close) && bar.close > 0))
    throw new RangeError(`a close must be a positive number (got ${bar.close} at ${bar.t})`);
  const closes = [...s.closes.slice(s.closes.length >= o.slow ? 1 : 0), bar.close];
  if (closes.length < o.slow) return { state: { ...s, closes, lastT: bar.t }, signal: undefined };

  const fastMa = mean(closes.slice(-o.fast));
  const slowMa = mean(closes);
  const value = maCrossValue(fastMa, slowMa, o.scale);
  // The side is the rounded value's sign, not the raw gap's: on a flat market the two means
  // differ only by floating-point noise, which must not read as a stream of crossovers.
  const sign = Math.sign(value) as Side;
  const side: Side = sign === 0 ? s.side : sign;
  const cross = s.side !== 0 && side !== s.side ? (side > 0 ? 'up' : 'down') : null;
  // Values have 4 decimals: compare in those units, so 0.3 − 0.2 counts as the step 0.1 it is.
  const moved = (a: number, b: number): boolean =>
    Math.round(Math.abs(a - b) * 1e4) >= Math.round(o.minStep * 1e4);
  const emit = s.emitted === undefined || cross !== null || moved(value, s.emitted);
  return {
    state: { closes, lastT: bar.t, side, emitted: emit ? value : s.emitted },
    signal: emit ? { t: bar.t, value, fastMa, slowMa, cross } : undefined,
  };
};

/** The signals of a series of bars, in order (see the file's comment for when one is emitted). */
export function* maCrossSignals(
  bars: Iterable<PriceBar>,
  options: MaCrossOptions = {},
): Generator<MaCrossSignal> {
  const o = resolveMaCrossOptions(options);
  let state = initialMaCrossState;
  for (const bar of bars) {
    const r = stepMaCross(state, bar, o);
    state = r.state;
    if (r.signal !== undefined) yield r.signal;
  }
}
