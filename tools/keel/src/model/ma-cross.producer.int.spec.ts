/**
 * The MA-crossover producer on the first recorded BTCUSDT bars, sending through the real
 * @keel/prediction-client to the real intake (engine, Fastify, embedded store:
 * intake.spec-helpers.ts). Skipped, with the reason printed, without the recorded data.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createPredictionClient } from '@keel/prediction-client';
import { MiniIntake, startMiniIntake } from './intake.spec-helpers';
import { maCrossSignals } from './ma-cross';
import { catchUpTiming, MaCrossModelOptions, predictionIdFor, runMaCrossModel } from './ma-cross.producer';
import { MinuteBar, readMinuteBars } from './minute-bars';

// The first 600 bars of ../shared/data/market's BTCUSDT 1m file, committed (tools/keel/test-data).
const BTC = resolve(__dirname, '../../test-data/binance-usdm-btcusdt-1m-2024-01-01T0000-600bars.csv.gz');
const present = existsSync(BTC);
if (!present) console.warn(`ma-cross.producer.int.spec: skipped, ${BTC} is not on this machine`);
const describeWithData = present ? describe : describe.skip;

const KEY = { keyId: 'key-ma', secret: 'whsec_producer_spec', modelId: 'ma-cross-btc' };
const INSTRUMENT = 'BTC/USDT:USDT';

const bars: MinuteBar[] = [];
beforeAll(async () => {
  if (!present) return;
  for await (const b of readMinuteBars(BTC)) {
    bars.push(b);
    if (bars.length === 400) break;
  }
});

describe('predictionIdFor', () => {
  it('is model/instrument/asOf, and a hash of the tail when that is over 128 characters', () => {
    const t = Date.parse('2026-12-03T18:00:00Z');
    expect(predictionIdFor('ma', INSTRUMENT, t)).toBe('ma/BTC/USDT:USDT/2026-12-03T18:00:00.000Z');
    const [model, instrument] = ['m'.repeat(64), 'X'.repeat(40)];
    const long = predictionIdFor(model, instrument, t);
    expect(long).toMatch(/^m{64}\/[0-9a-f]{40}$/);
    expect(predictionIdFor(model, instrument, t + 60_000)).not.toBe(long);
  });
});

describe('catchUpTiming', () => {
  it('puts the last signal at now (whole seconds) and keeps the first alive for a horizon', () => {
    const first = Date.parse('2024-01-01T01:00:00Z');
    const last = Date.parse('2024-01-01T03:00:00Z');
    const now = Date.parse('2026-12-03T18:00:00.750Z');
    const { shiftMs, ttlSec } = catchUpTiming(first, last, now, 3600);
    expect(new Date(last + shiftMs).toISOString()).toBe('2026-12-03T18:00:00.000Z');
    expect(ttlSec).toBe(3600 + 7200);
    expect(catchUpTiming(first, last, now, 3600, 60).ttlSec).toBe(60);
  });
});

describeWithData('the MA-crossover model on recorded BTCUSDT bars', () => {
  let intake: MiniIntake;
  /** The intake's clock: the wall clock, or a spec's virtual one. */
  let intakeNow: () => number;
  beforeEach(async () => {
    intakeNow = Date.now;
    intake = await startMiniIntake({ ...KEY, now: () => intakeNow() });
  });
  afterEach(() => intake.close());

  const client = (over: { readonly now?: () => number } = {}) =>
    createPredictionClient({ baseUrl: intake.baseUrl, keyId: KEY.keyId, secret: KEY.secret, ...over });

  /** Options for a catch-up run over `bars` at the wall clock. */
  const catchUp = (): MaCrossModelOptions => {
    const signals = [...maCrossSignals(bars)];
    const timing = catchUpTiming(signals[0]?.t ?? 0, signals.at(-1)?.t ?? 0, Date.now(), 3600);
    return {
      client: client(),
      modelId: KEY.modelId,
      instrument: INSTRUMENT,
      bars,
      horizonSec: 3600,
      ttlSec: timing.ttlSec,
      pace: 'asFastAsPossible',
      shiftMs: timing.shiftMs,
    };
  };

  it('computes bounded signals from bar 60 on', () => {
    const signals = [...maCrossSignals(bars)];
    expect(signals.length).toBeGreaterThan(5);
    expect(signals[0]?.t).toBe(bars[59]?.t);
    expect(signals.every((s) => s.value >= -1 && s.value <= 1)).toBe(true);
    expect(signals.some((s) => s.cross !== null)).toBe(true);
  });

  it('sends every signal as a signed prediction the intake records', async () => {
    const o = catchUp();
    const run = await runMaCrossModel(o);
    const signals = [...maCrossSignals(bars)];

    expect(run).toMatchObject({
      bars: 400,
      signals: signals.length,
      sent: signals.length,
      replayed: 0,
      refused: 0,
    });
    expect(run.stopped).toBeUndefined();
    expect(intake.recorded.map((p) => p.value)).toEqual(signals.map((s) => s.value));
    const stored = await intake.stored();
    expect(stored.map((e) => (e.data as { value: number }).value)).toEqual(signals.map((s) => s.value));
    expect(stored.every((e) => e.type === 'PredictionReceived' && e.producer === 'prediction-ingest')).toBe(
      true,
    );
    const last = intake.recorded.at(-1);
    expect(Date.now() - Date.parse(last?.asOf ?? '')).toBeLessThan(5_000);
    expect(intake.recorded[0]).toEqual({
      modelId: KEY.modelId,
      predictionId: predictionIdFor(KEY.modelId, INSTRUMENT, (signals[0]?.t ?? 0) + (o.shiftMs ?? 0)),
      instrument: INSTRUMENT,
      asOf: new Date((signals[0]?.t ?? 0) + (o.shiftMs ?? 0)).toISOString(),
      horizon: 3600,
      kind: 'signal',
      value: signals[0]?.value,
      ttl: o.ttlSec,
    });
  });

  it('sends the same predictions again as replays when re-run with the same shift', async () => {
    const o = catchUp();
    const once = await runMaCrossModel(o);
    const again = await runMaCrossModel(o);

    expect(again).toMatchObject({ sent: once.sent, replayed: once.sent, refused: 0 });
    expect(intake.recorded).toHaveLength(once.sent);
  });

  it('counts stale predictions (unshifted 2024 times) as refused and goes on', async () => {
    const run = await runMaCrossModel({ ...catchUp(), shiftMs: 0, limit: 3 });

    expect(run).toMatchObject({ signals: 3, sent: 0, refused: 3, refusedByCode: { stale_prediction: 3 } });
    expect(run.stopped).toBeUndefined();
  });

  it('stops at the first refusal that every prediction would get (another model)', async () => {
    const run = await runMaCrossModel({ ...catchUp(), modelId: 'not-my-model' });

    expect(run).toMatchObject({ signals: 1, sent: 0, refused: 1, refusedByCode: { forbidden_model: 1 } });
    expect(run.stopped?.code).toBe('forbidden_model');
  });

  it('with a pace, sends each prediction when the clock reaches its asOf', async () => {
    let clock = Date.now();
    intakeNow = () => clock;
    const paced = client({ now: () => clock });
    const sentAt: number[] = [];

    const run = await runMaCrossModel({
      client: {
        send: (p) => {
          sentAt.push(clock);
          return paced.send(p);
        },
      },
      modelId: KEY.modelId,
      instrument: INSTRUMENT,
      bars: bars.slice(0, 120),
      horizonSec: 300,
      pace: { clock: () => clock, sleep: async (ms) => void (clock += ms) },
      shiftMs: clock - (bars[0]?.t ?? 0),
    });

    expect(run.refused).toBe(0);
    expect(run.sent).toBeGreaterThan(0);
    expect(sentAt).toEqual(intake.recorded.map((p) => Date.parse(p.asOf)));
  });
});
