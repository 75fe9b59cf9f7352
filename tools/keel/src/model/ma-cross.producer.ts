/**
 * The MA-crossover model as a producer: walk recorded bars, compute the signals (ma-cross.ts)
 * and send each as a prediction through @keel/prediction-client.
 *
 * Time. Recorded bars are in the past, and the intake refuses a prediction whose
 * `asOf + ttl` has passed or whose `asOf` is more than 5 s ahead of its clock. So every bar
 * time is moved by `shiftMs` onto the session's clock: `asOf = t + shiftMs`. With a `pace`,
 * each prediction is sent when the clock reaches its `asOf` (a replay at the clock's speed:
 * an accelerated clock replays faster); with `'asFastAsPossible'` they are sent back to back,
 * and the caller picks a shift and a ttl that keep them alive (see model.command.ts).
 *
 * Identity. `predictionId` is derived from the model, the instrument and the shifted bar time
 * (`asOf`): the same model saying something about the same instrument at the same instant is
 * the same prediction. Re-running with the same shift therefore resends the same ids with the
 * same content, which the intake answers as replays, recording nothing twice; another shift
 * makes other predictions.
 *
 * Refusals. One that concerns only this prediction (invalid, stale, from the future, an id
 * already used for other content) is counted and the walk goes on. Any other (the key, the
 * model, the instrument, the route, a rate limit or outage outlasting the client's retries)
 * would refuse every following prediction too: the walk stops and says why in `stopped`.
 */
import { createHash } from 'node:crypto';
import {
  PredictionClient,
  PredictionInput,
  PredictionRefused,
  PredictionUnreachable,
} from '@keel/prediction-client';
import {
  initialMaCrossState,
  MaCrossOptions,
  MaCrossSignal,
  PriceBar,
  resolveMaCrossOptions,
  stepMaCross,
} from './ma-cross';

/** How the walk spends time: wait for each `asOf` on a clock, or none. */
export type Pace =
  'asFastAsPossible' | { readonly clock: () => number; readonly sleep: (ms: number) => Promise<void> };

export interface MaCrossModelOptions extends MaCrossOptions {
  readonly client: Pick<PredictionClient, 'send'>;
  readonly modelId: string;
  readonly instrument: string;
  /** Bars in time order; `t` is the close time (epoch ms). */
  readonly bars: Iterable<PriceBar> | AsyncIterable<PriceBar>;
  /** Each prediction's `horizon`, integer seconds ≥ 1. */
  readonly horizonSec: number;
  /** Each prediction's `ttl`, integer seconds ≥ 1; omitted: the intake's default (`horizon`). */
  readonly ttlSec?: number;
  readonly pace: Pace;
  /** Added to every bar time to make `asOf`. Default 0. */
  readonly shiftMs?: number;
  /** Stop after this many signals (sent or refused). Default: all. */
  readonly limit?: number;
  /** Called after each prediction with the counts so far (for progress output). */
  readonly onProgress?: (run: MaCrossRun) => void;
}

export interface MaCrossRun {
  /** Bars read. */
  readonly bars: number;
  /**
   * Signals computed and offered to the intake: sent + refused, unless the walk stopped as
   * `unreachable` (that last prediction's fate is unknown; resending it is safe).
   */
  readonly signals: number;
  /** Accepted by the intake, replays included. */
  readonly sent: number;
  /** Of `sent`, those the intake had already recorded (`Idempotent-Replayed`). */
  readonly replayed: number;
  /** Refused (and skipped), by the intake's code in `refusedByCode`. */
  readonly refused: number;
  readonly refusedByCode: Readonly<Record<string, number>>;
  /** `asOf` of the first and last signal offered. */
  readonly firstAsOf: string | undefined;
  readonly lastAsOf: string | undefined;
  /** Why the walk stopped before the end of the bars or the limit, if it did. */
  readonly stopped: { readonly code: string; readonly message: string } | undefined;
}

/** Refusals about one prediction's own content: counted, and the walk goes on. */
const PER_PREDICTION_CODES: ReadonlySet<string> = new Set([
  'invalid_prediction',
  'idempotency_conflict',
  'stale_prediction',
  'prediction_from_future',
]);

const MAX_PREDICTION_ID = 128;

/**
 * `<modelId>/<instrument>/<asOf ISO>` (no spaces, as the API requires). When that is over the
 * API's 128 characters (a long model id), the instrument and time are hashed instead:
 * `<modelId>/<first 40 hex of sha256("<instrument>/<asOf>")>`, still one id per instant.
 */
export const predictionIdFor = (modelId: string, instrument: string, asOfMs: number): string => {
  const tail = `${instrument}/${new Date(asOfMs).toISOString()}`;
  const plain = `${modelId}/${tail}`;
  return plain.length <= MAX_PREDICTION_ID
    ? plain
    : `${modelId}/${createHash('sha256').update(tail).digest('hex').slice(0, 40)}`;
};

/** The prediction for a signal computed at bar time `signal.t`. */
export const predictionOf = (
  signal: MaCrossSignal,
  o: Pick<MaCrossModelOptions, 'modelId' | 'instrument' | 'horizonSec' | 'ttlSec'> & {
    readonly shiftMs: number;
  },
): PredictionInput => {
  const asOfMs = signal.t + o.shiftMs;
  return {
    modelId: o.modelId,
    predictionId: predictionIdFor(o.modelId, o.instrument, asOfMs),
    instrument: o.instrument,
    asOf: new Date(asOfMs).toISOString(),
    horizon: o.horizonSec,
    kind: 'signal',
    value: signal.value,
    ...(o.ttlSec === undefined ? {} : { ttl: o.ttlSec }),
  };
};

interface Counts {
  bars: number;
  signals: number;
  sent: number;
  replayed: number;
  refused: number;
  refusedByCode: Record<string, number>;
  firstAsOf: string | undefined;
  lastAsOf: string | undefined;
  stopped: { code: string; message: string } | undefined;
}

/** Run the model over `bars`, sending its signals; resolves to what was sent, replayed, refused. */
export const runMaCrossModel = async (o: MaCrossModelOptions): Promise<MaCrossRun> => {
  const signalOptions = resolveMaCrossOptions(o);
  const shiftMs = o.shiftMs ?? 0;
  const limit = o.limit ?? Infinity;
  const c: Counts = {
    bars: 0,
    signals: 0,
    sent: 0,
    replayed: 0,
    refused: 0,
    refusedByCode: {},
    firstAsOf: undefined,
    lastAsOf: undefined,
    stopped: undefined,
  };
  const identity = {
    modelId: o.modelId,
    instrument: o.instrument,
    horizonSec: o.horizonSec,
    ttlSec: o.ttlSec,
    shiftMs,
  };
  const snapshot = (): MaCrossRun => ({ ...c, refusedByCode: { ...c.refusedByCode } });
  if (limit < 1) return snapshot();
  let state = initialMaCrossState;
  for await (const bar of o.bars) {
    c.bars++;
    const step = stepMaCross(state, bar, signalOptions);
    state = step.state;
    if (step.signal === undefined) continue;
    const p = predictionOf(step.signal, identity);
    if (o.pace !== 'asFastAsPossible') {
      const wait = Date.parse(p.asOf) - o.pace.clock();
      if (wait > 0) await o.pace.sleep(wait);
    }
    c.signals++;
    c.firstAsOf ??= p.asOf;
    c.lastAsOf = p.asOf;
    await offer(o.client, p, c);
    o.onProgress?.(snapshot());
    // Checked here, not at the top: a bar read past the limit would be read for nothing.
    if (c.signals >= limit || c.stopped !== undefined) break;
  }
  return snapshot();
};

/** Send one prediction and count the outcome; rethrows what is neither an answer nor a refusal. */
const offer = async (
  client: Pick<PredictionClient, 'send'>,
  p: PredictionInput,
  c: Counts,
): Promise<void> => {
  try {
    const sent = await client.send(p);
    c.sent++;
    if (sent.replayed) c.replayed++;
  } catch (e) {
    if (e instanceof PredictionRefused) {
      c.refused++;
      c.refusedByCode[e.code] = (c.refusedByCode[e.code] ?? 0) + 1;
      if (!PER_PREDICTION_CODES.has(e.code)) c.stopped = { code: e.code, message: e.message };
    } else if (e instanceof PredictionUnreachable) {
      c.stopped = { code: 'unreachable', message: e.message };
    } else throw e;
  }
};

/**
 * Timing for sending recorded signals all at once (pace `'asFastAsPossible'`): shift the bar
 * times so the last signal's `asOf` is `nowMs` (rounded down to a whole second, so it is never
 * ahead of the intake's clock and the times stay readable), and, unless a ttl is given, keep
 * every prediction alive at arrival: `ttl = horizon + the span from the first signal to the
 * last`, so the oldest one lapses `horizon` after now, like a fresh one would, and the newest
 * `span` later.
 */
export const catchUpTiming = (
  firstT: number,
  lastT: number,
  nowMs: number,
  horizonSec: number,
  ttlSec?: number,
): { readonly shiftMs: number; readonly ttlSec: number } => ({
  shiftMs: Math.floor((nowMs - lastT) / 1000) * 1000,
  ttlSec: ttlSec ?? horizonSec + Math.ceil((lastT - firstT) / 1000),
});
