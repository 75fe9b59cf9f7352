/**
 * The paper session's model: the example MA-crossover model (tools/keel/src/model/ma-cross.ts)
 * run live on the session's clock, one loop per instrument, sending signed predictions to
 * prediction-ingest over HTTP with the TypeScript client, as an outside model would.
 *
 * Each loop reads its instrument's recorded 1-minute closes, already on the session's clock.
 * Closes before the session starts warm the model's means up (nothing is sent for them); the
 * last warm-up signal is sent at once, so the session has targets from its first seconds; then
 * each later bar is stepped when the clock reaches its close time and, when the model emits,
 * a prediction with `asOf` = that close is sent. The prediction id derives from (model,
 * instrument, asOf), so a retried send is a replay, never a second prediction.
 *
 * The 1-second top-of-book file has no bars: its minute closes are the last mid of each
 * minute (`quoteMinuteCloses`).
 */
import Decimal from 'decimal.js';
import { Clock } from '@keel/clock';
import { PredictionClient, PredictionRefused, PredictionUnreachable } from '@keel/prediction-client';
import { readLines } from '@keel/venue-sim';
import {
  initialMaCrossState,
  MaCrossSignal,
  PriceBar,
  resolveMaCrossOptions,
  stepMaCross,
} from '../model/ma-cross';
import { predictionOf } from '../model/ma-cross.producer';
import { readMinuteBars } from '../model/minute-bars';

export const DEMO_MODEL_ID = 'ma-cross';

/** Minute closes (close time, last mid) of a `ts_ns,bid_price,bid_qty,ask_price,ask_qty` file, shifted. */
export async function* quoteMinuteCloses(file: string, shiftMs: number): AsyncGenerator<PriceBar> {
  let header: string[] | null = null;
  let minute = -1;
  let last = 0;
  for await (const line of readLines(file)) {
    if (header === null) {
      header = line.split(',');
      for (const c of ['ts_ns', 'bid_price', 'ask_price'])
        if (!header.includes(c)) throw new Error(`${file}: no ${c} column in ${JSON.stringify(line)}`);
      continue;
    }
    const cells = line.split(',');
    const ts = cells[header.indexOf('ts_ns')] ?? '';
    if (!/^\d{7,}$/.test(ts)) continue; // not a time: skipped, never read as epoch 0
    const at = Number(ts.slice(0, -6));
    const bid = Number(cells[header.indexOf('bid_price')]);
    const ask = Number(cells[header.indexOf('ask_price')]);
    if (!Number.isFinite(at) || !(bid > 0) || !(ask > 0)) continue;
    const m = Math.floor(at / 60_000);
    if (minute !== -1 && m !== minute) yield { t: (minute + 1) * 60_000 + shiftMs, close: last };
    minute = m;
    last = new Decimal(bid).plus(ask).div(2).toNumber();
  }
  if (minute !== -1) yield { t: (minute + 1) * 60_000 + shiftMs, close: last };
}

/** Minute closes of a bar file (close time), shifted. */
export async function* barMinuteCloses(
  file: string,
  shiftMs: number,
  contract?: string,
): AsyncGenerator<PriceBar> {
  for await (const b of readMinuteBars(file, contract === undefined ? {} : { contract }))
    yield { t: b.t + shiftMs, close: b.close };
}

export interface ModelTally {
  sent: number;
  replayed: number;
  refused: number;
  refusedByCode: Record<string, number>;
  lastError: string | undefined;
}

export interface DemoModelOptions {
  readonly client: Pick<PredictionClient, 'send'>;
  readonly clock: Clock;
  readonly sessionStart: number;
  readonly horizonSec: number;
  readonly instruments: readonly { readonly instrument: string; readonly bars: AsyncIterable<PriceBar> }[];
  /** Stops every loop (the session's end). */
  readonly stop: AbortSignal;
  readonly onSent?: (instrument: string, value: number, asOf: number) => void;
}

const sleepUntil = async (clock: Clock, t: number, stop: AbortSignal): Promise<void> => {
  // In slices, so an abort is seen within a second of wall time whatever the speed.
  while (!stop.aborted && clock.now() < t) await clock.sleep(Math.min(t - clock.now(), 60_000));
};

/** Run the model until `stop` aborts or every instrument's data ends; resolves to what it sent. */
export const runDemoModel = async (o: DemoModelOptions): Promise<ModelTally> => {
  const tally: ModelTally = { sent: 0, replayed: 0, refused: 0, refusedByCode: {}, lastError: undefined };
  const options = resolveMaCrossOptions({});
  const send = async (instrument: string, s: MaCrossSignal): Promise<void> => {
    const p = predictionOf(s, { modelId: DEMO_MODEL_ID, instrument, horizonSec: o.horizonSec, shiftMs: 0 });
    for (let attempt = 0; !o.stop.aborted; attempt++) {
      try {
        const sent = await o.client.send(p);
        tally.sent++;
        if (sent.replayed) tally.replayed++;
        o.onSent?.(instrument, s.value, s.t);
        return;
      } catch (e) {
        if (e instanceof PredictionRefused) {
          tally.refused++;
          tally.refusedByCode[e.code] = (tally.refusedByCode[e.code] ?? 0) + 1;
          tally.lastError = `${instrument}: ${e.code}: ${e.message}`;
          return;
        }
        // The intake restarting (a chaos kill) is waited out: the same id is sent again.
        if (e instanceof PredictionUnreachable && attempt < 60) {
          tally.lastError = `${instrument}: ${e.message}`;
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        throw e;
      }
    }
  };
  const loop = async (instrument: string, bars: AsyncIterable<PriceBar>): Promise<void> => {
    let state = initialMaCrossState;
    let pending: MaCrossSignal | undefined;
    for await (const bar of bars) {
      if (o.stop.aborted) return;
      if (bar.t > o.sessionStart) {
        // The model's view at the start, as of the last warm-up close (a fresh asOf, not the
        // warm-up signal's own, which may be older than a prediction may be).
        if (pending !== undefined) {
          await send(instrument, { ...pending, t: state.lastT, value: state.emitted ?? pending.value });
          pending = undefined;
        }
        await sleepUntil(o.clock, bar.t, o.stop);
        if (o.stop.aborted) return;
      }
      const step = stepMaCross(state, bar, options);
      state = step.state;
      if (step.signal === undefined) continue;
      if (bar.t <= o.sessionStart) pending = step.signal;
      else await send(instrument, step.signal);
    }
  };
  await Promise.all(o.instruments.map((i) => loop(i.instrument, i.bars)));
  return tally;
};
