/**
 * The paper session's model: minute closes read from a top-of-book file and from a bar file,
 * and the live loop on a virtual clock — warm-up bars send nothing, the view at the start is
 * sent at once as of the last warm-up close, each later signal when the clock reaches its bar,
 * a refusal is counted and passed over, an abort stops the loop.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createVirtualClock, VirtualClock } from '@keel/clock';
import { PredictionInput, PredictionRefused, Sent } from '@keel/prediction-client';
import { maCrossSignals, PriceBar } from '../model/ma-cross';
import { barMinuteCloses, DEMO_MODEL_ID, quoteMinuteCloses, runDemoModel } from './demo.model';

const MIN = 60_000;
const DAY = Date.parse('2026-01-01T00:00:00Z');

const collect = async <T>(xs: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of xs) out.push(x);
  return out;
};

describe('quoteMinuteCloses', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-demo-model-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const ns = (ms: number): string => `${ms}000000`;
  const rows = [
    // minute 0: two quotes, the last mid is the close
    [DAY + 1_000, '100', '101'],
    [DAY + 59_999, '0.1', '0.2'],
    // minute 1: one usable quote, one without a bid
    [DAY + MIN, '102', '102.5'],
    [DAY + MIN + 30_000, '0', '103'],
    // minute 2: none; minute 3: one
    [DAY + 3 * MIN + 5_000, '99', '99.5'],
  ] as const;
  const SHIFT = 2 * 365 * 86_400_000;
  const expected = [
    { t: DAY + MIN + SHIFT, close: 0.15 }, // (0.1 + 0.2) / 2 in decimals, not 0.15000000000000002
    { t: DAY + 2 * MIN + SHIFT, close: 102.25 },
    { t: DAY + 4 * MIN + SHIFT, close: 99.25 },
  ];

  it('gives one close per minute with quotes: the last mid, at the minute’s end plus the shift', async () => {
    const file = path.join(dir, 'bbo.csv');
    fs.writeFileSync(
      file,
      [
        'ts_ns,bid_price,bid_qty,ask_price,ask_qty',
        ...rows.map(([t, b, a]) => `${ns(t)},${b},1.5,${a},2`),
      ].join('\n') + '\n',
    );
    expect(await collect(quoteMinuteCloses(file, SHIFT))).toEqual(expected);
  });

  it('skips a row whose ts_ns is not a time (never read as epoch 0), and refuses a file without ts_ns', async () => {
    const file = path.join(dir, 'bad-ts.csv');
    fs.writeFileSync(
      file,
      [
        'ts_ns,bid_price,bid_qty,ask_price,ask_qty',
        `${ns(DAY + 30_000)},100,1,101,1`,
        ',100,1,101,1',
        `${ns(DAY + 90_000)},102,1,103,1`,
      ].join('\n'),
    );
    expect((await collect(quoteMinuteCloses(file, 0))).map((b) => b.t)).toEqual([DAY + MIN, DAY + 2 * MIN]);
    const none = path.join(dir, 'no-ts.csv');
    fs.writeFileSync(none, ['time,bid_price,bid_qty,ask_price,ask_qty', '1,100,1,101,1'].join('\n'));
    await expect(collect(quoteMinuteCloses(none, 0))).rejects.toThrow(/no ts_ns column/);
  });

  it('reads a gzip file, its columns by name', async () => {
    const file = path.join(dir, 'bbo.csv.gz');
    const text = [
      'ask_qty,ask_price,bid_qty,bid_price,ts_ns',
      ...rows.map(([t, b, a]) => `2,${a},1.5,${b},${ns(t)}`),
    ].join('\r\n');
    fs.writeFileSync(file, gzipSync(text));
    expect(await collect(quoteMinuteCloses(file, SHIFT))).toEqual(expected);
  });

  it('gives nothing for a file with a header only', async () => {
    const file = path.join(dir, 'empty.csv');
    fs.writeFileSync(file, 'ts_ns,bid_price,bid_qty,ask_price,ask_qty\n');
    expect(await collect(quoteMinuteCloses(file, 0))).toEqual([]);
  });
});

describe('barMinuteCloses', () => {
  it('gives each bar’s close time (open label + 1 minute) plus the shift', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-demo-bars-'));
    try {
      const file = path.join(dir, 'binance-usdm-ethusdt-1m.csv');
      fs.writeFileSync(
        file,
        'timestamp_utc,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n2024-01-01T00:01:00Z,1.5,2,1,1.75,10\n',
      );
      const shift = 1_000;
      expect(await collect(barMinuteCloses(file, shift))).toEqual([
        { t: Date.parse('2024-01-01T00:01:00Z') + shift, close: 1.5 },
        { t: Date.parse('2024-01-01T00:02:00Z') + shift, close: 1.75 },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('runDemoModel', () => {
  const START = Date.parse('2026-01-01T02:00:00Z');
  const INSTRUMENT = 'ETH/USDT:USDT';
  // 70 warm-up bars up to the start (the last one closes at START: still warm-up), then 20
  // session bars; the closes swing slowly, so the model emits now and then in both.
  const close = (i: number): number => 100 + 0.5 * Math.sin((2 * Math.PI * (i - 6)) / 30);
  const warmUp: PriceBar[] = Array.from({ length: 70 }, (_, i) => ({
    t: START - (69 - i) * MIN,
    close: close(i),
  }));
  const session: PriceBar[] = Array.from({ length: 20 }, (_, k) => ({
    t: START + (k + 1) * MIN,
    close: close(70 + k),
  }));
  const bars = [...warmUp, ...session];
  const signals = [...maCrossSignals(bars)];
  const warmSignals = signals.filter((s) => s.t <= START);
  const sessionSignals = signals.filter((s) => s.t > START);
  const view = warmSignals[warmSignals.length - 1];

  const iter = async function* (xs: readonly PriceBar[]): AsyncGenerator<PriceBar> {
    for (const x of xs) yield x;
  };
  // One macrotask turn: the loop's promise chains (no real I/O) run to their next sleep.
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  interface Send {
    readonly at: number;
    readonly p: PredictionInput;
  }
  const harness = (refuse: (p: PredictionInput) => boolean = () => false) => {
    const clock: VirtualClock = createVirtualClock(START);
    const sends: Send[] = [];
    const onSent: [string, number, number][] = [];
    const stop = new AbortController();
    const client = {
      send: async (p: PredictionInput): Promise<Sent> => {
        sends.push({ at: clock.now(), p });
        if (refuse(p)) throw new PredictionRefused(422, 'stale_prediction', 'asOf + ttl has passed', [], 1);
        return {
          predictionId: p.predictionId,
          eventId: 'e',
          receivedAt: new Date(clock.now()).toISOString(),
          replayed: false,
        };
      },
    };
    const done = runDemoModel({
      client,
      clock,
      sessionStart: START,
      horizonSec: 1_200,
      instruments: [{ instrument: INSTRUMENT, bars: iter(bars) }],
      stop: stop.signal,
      onSent: (i, v, asOf) => onSent.push([i, v, asOf]),
    });
    return { clock, sends, onSent, stop, done };
  };
  const prediction = (asOf: number, value: number): PredictionInput => ({
    modelId: DEMO_MODEL_ID,
    predictionId: `ma-cross/${INSTRUMENT}/${new Date(asOf).toISOString()}`,
    instrument: INSTRUMENT,
    asOf: new Date(asOf).toISOString(),
    horizon: 1_200,
    kind: 'signal',
    value,
  });

  it('has the data the cases below need', () => {
    // Several warm-up signals, the last one before the last warm-up close, and session signals.
    expect(warmSignals.length).toBeGreaterThanOrEqual(2);
    expect(view?.t).toBeLessThan(START);
    expect(sessionSignals.length).toBeGreaterThanOrEqual(2);
    expect(sessionSignals[0]?.t).toBeGreaterThan(START + MIN); // the first session bar emits nothing
  });

  it('sends nothing for warm-up bars but the model’s view at the start, as of the last warm-up close', async () => {
    const h = harness();
    await settle();
    expect(h.sends).toEqual([{ at: START, p: prediction(START, view?.value ?? NaN) }]);
    h.stop.abort();
    await h.clock.runUntil(START + MIN);
    await h.done;
  });

  it('sends each later signal when the clock reaches its bar, with asOf = that close', async () => {
    const h = harness();
    await settle();
    for (const bar of session) {
      const before = h.sends.length;
      await h.clock.runUntil(bar.t - 1);
      expect(h.sends).toHaveLength(before);
      await h.clock.runUntil(bar.t);
      const s = sessionSignals.find((x) => x.t === bar.t);
      expect(h.sends.slice(before)).toEqual(s ? [{ at: bar.t, p: prediction(bar.t, s.value) }] : []);
    }
    const tally = await h.done;
    expect(tally).toEqual({
      sent: 1 + sessionSignals.length,
      replayed: 0,
      refused: 0,
      refusedByCode: {},
      lastError: undefined,
    });
    expect(h.onSent).toEqual([
      [INSTRUMENT, view?.value, START],
      ...sessionSignals.map((s) => [INSTRUMENT, s.value, s.t]),
    ]);
  });

  it('counts a refused prediction and goes on with the next', async () => {
    const refusedAsOf = new Date(sessionSignals[0]?.t ?? NaN).toISOString();
    const h = harness((p) => p.asOf === refusedAsOf);
    await settle();
    await h.clock.runUntil(session[session.length - 1]?.t ?? NaN);
    const tally = await h.done;
    expect(h.sends.map((s) => s.p.asOf)).toEqual([
      new Date(START).toISOString(),
      ...sessionSignals.map((s) => new Date(s.t).toISOString()),
    ]);
    expect(tally).toEqual({
      sent: sessionSignals.length,
      replayed: 0,
      refused: 1,
      refusedByCode: { stale_prediction: 1 },
      lastError: `${INSTRUMENT}: stale_prediction: prediction refused: 422 stale_prediction: asOf + ttl has passed`,
    });
    expect(h.onSent.map(([, , asOf]) => asOf)).not.toContain(sessionSignals[0]?.t);
  });

  it('stops on abort: the bar it was waiting for is not stepped, and nothing is sent after', async () => {
    const next = sessionSignals[0]?.t ?? NaN;
    const h = harness();
    await settle();
    await h.clock.runUntil(next - 30_000);
    h.stop.abort();
    await h.clock.runUntil(next); // the sleep it was in ends; it sees the abort
    const tally = await h.done;
    expect(tally.sent).toBe(1);
    await h.clock.runUntil(START + 20 * MIN);
    expect(h.sends).toHaveLength(1);
    expect(h.clock.pending()).toBe(0);
  });

  it('ends when the data ends, sending nothing when it ends within the warm-up', async () => {
    const clock = createVirtualClock(START);
    const sends: PredictionInput[] = [];
    const tally = await runDemoModel({
      client: {
        send: async (p) => {
          sends.push(p);
          return { predictionId: p.predictionId, eventId: 'e', receivedAt: '', replayed: false };
        },
      },
      clock,
      sessionStart: START,
      horizonSec: 60,
      instruments: [{ instrument: INSTRUMENT, bars: iter(warmUp) }],
      stop: new AbortController().signal,
    });
    expect(tally.sent).toBe(0);
    expect(sends).toEqual([]);
  });
});
