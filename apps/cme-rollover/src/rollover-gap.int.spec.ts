/**
 * Gap-aware arrivals, with real parts: a real nats-server (JetStream), the in-memory store, the
 * real relay between them, cme-rollover on a virtual clock. GC in December 2025 (front GCG6),
 * with a weekend multiplier of 1 so the held exposure is visible over the weekend:
 *  - Monday 1 Dec, open: a prediction (PredictionReceived, marked open) and the optimizer's
 *    CME:GC +2 → ContractTargetSet GCG6 2 at once;
 *  - Saturday 6 Dec: a prediction marked `receivedWhileClosed`, effective at the Sunday 17:00 CT
 *    open, and the optimizer's CME:GC +5 → nothing changes while closed; GCG6 5 from the open.
 */
import * as E from 'fp-ts/Either';
import { chicagoInstant, markArrival } from '@keel/calendar';
import { deriveId, newEvent, NewEvent, RecordedEvent } from '@keel/events';
import { createMemoryEventStore, EventStore } from '@keel/event-store';
import { connectNatsBus, EventBus } from '@keel/bus';
import { Relay, startRelay } from '@keel/relay';
import { createLogger, createMetrics, createVirtualClock, VirtualClock } from '@keel/runtime';
import { NatsServer, startNatsServer } from '@keel/testing';
import { RolloverConfig, RolloverProgram, RolloverSettings, startRollover } from './production';

const logger = createLogger({ name: 'spec', level: 'silent' });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ct = (date: string, time: string): number => chicagoInstant(date, time);
const defaults = Object.fromEntries(
  Object.entries(RolloverConfig).map(([k, v]) => [k, v.default]),
) as RolloverSettings;
const settings = {
  ...defaults,
  roots: 'GC',
  accountIds: 'acc-1',
  exposurePolicy: 'weekend=1,leadMinutes=30',
  tickMs: 15 * 60_000,
  snapshotEvery: 1000,
};

const unwrap = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

let server: NatsServer;
let store: EventStore;
let bus: EventBus;
let relay: Relay;
let clock: VirtualClock;
let app: RolloverProgram;

const head = async (): Promise<number> => unwrap(await store.headPosition()());
const quiesce = async (): Promise<void> => {
  for (let i = 0; i < 4000; i++) {
    if (app.position() >= (await head())) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`app stuck at ${app.position()}, head ${await head()}`);
};
const append = async (stream: string, e: E.Either<unknown, NewEvent>): Promise<void> => {
  unwrap(await store.append(stream, [unwrap(e)], 'any')());
};
const meta = (producer: string, n: number) => ({
  correlationId: `gap-${n}`,
  causationId: null,
  producer,
  occurredAt: new Date(clock.now()).toISOString(),
});
const targets = async (): Promise<RecordedEvent<'ContractTargetSet'>[]> =>
  (unwrap(await store.readAll({ after: 0, maxCount: 10_000 })()).events as RecordedEvent[]).filter(
    (e): e is RecordedEvent<'ContractTargetSet'> => e.type === 'ContractTargetSet',
  );
const runTo = async (until: number): Promise<void> => {
  while (clock.now() < until) {
    unwrap(await clock.runUntil(Math.min(until, clock.now() + settings.tickMs)));
    await quiesce();
  }
};

/** A model's prediction and the optimizer's root target that follows from it, at `clock.now()`. */
const predictAndTarget = async (n: number, qty: string): Promise<void> => {
  const market = unwrap(markArrival('CME:GC', clock.now()));
  await append(
    'prediction-m1',
    newEvent(
      'PredictionReceived',
      deriveId('gap-pred', n),
      {
        predictionId: `p${n}`,
        modelId: 'm1',
        instrument: 'CME:GC',
        kind: 'signal',
        value: Number(qty),
        confidence: null,
        horizonSec: null,
        ttlSec: null,
        generatedAt: new Date(clock.now()).toISOString(),
        market,
      },
      meta('prediction-ingest', n),
    ),
  );
  await append(
    'portfolio-acc-1',
    newEvent(
      'TargetPositionSet',
      deriveId('gap-opt', n),
      {
        accountId: 'acc-1',
        instrument: 'CME:GC',
        targetQty: qty,
        horizonSec: 3600,
        reason: `prediction p${n}`,
      },
      meta('optimizer', n),
    ),
  );
  await quiesce();
};

beforeAll(async () => {
  server = await startNatsServer();
  clock = createVirtualClock(ct('2025-12-01', '10:00'));
  store = createMemoryEventStore({ now: () => clock.now() });
  bus = unwrap(await connectNatsBus({ servers: server.url, name: 'cme-rollover-gap', retryDelayMs: 50 })());
  relay = unwrap(await startRelay({ store, bus, logger: quiet }));
  app = unwrap(
    await startRollover({ store, bus, clock, logger, metrics: createMetrics('cme-rollover') }, settings),
  );
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await relay?.stop();
  await bus?.close();
  await store?.close();
  await server?.dispose();
});

describe('a prediction received while GC is closed is applied at the open', () => {
  it('an arrival while open is marked open and acted on at once', async () => {
    await predictAndTarget(1, '2');
    await runTo(ct('2025-12-01', '10:30'));
    expect((await targets()).map((t) => `${t.data.instrument} ${t.data.targetQty}`)).toEqual(['GCG6 2']);
    const pred = (unwrap(await store.readAll({ after: 0, maxCount: 100 })()).events as RecordedEvent[]).find(
      (e) => e.type === 'PredictionReceived',
    );
    expect(pred?.type === 'PredictionReceived' && pred.data.market).toMatchObject({
      state: 'open',
      receivedWhileClosed: false,
    });
  });

  it('an arrival on Saturday is marked closed, held through the weekend, and applied from the Sunday 17:00 CT open', async () => {
    await runTo(ct('2025-12-06', '10:00'));
    await predictAndTarget(2, '5');
    const marking = unwrap(markArrival('CME:GC', ct('2025-12-06', '10:00')));
    expect(marking).toEqual({
      state: 'weekend',
      receivedWhileClosed: true,
      receivedAt: '2025-12-06T16:00:00.000Z',
      effectiveAt: '2025-12-07T23:00:00.000Z',
    });

    await runTo(ct('2025-12-07', '16:45'));
    expect((await targets()).map((t) => t.data.targetQty)).toEqual(['2']);

    await runTo(ct('2025-12-07', '17:30'));
    const all = await targets();
    expect(all.map((t) => `${t.data.instrument} ${t.data.targetQty}`)).toEqual(['GCG6 2', 'GCG6 5']);
    const applied = all[1];
    expect(Date.parse(applied?.occurredAt ?? '')).toBeGreaterThanOrEqual(ct('2025-12-07', '17:00'));
    expect(applied?.data).toMatchObject({
      root: 'GC',
      linkId: null,
      reason: expect.stringContaining('exposure 5 x 1 (open)'),
    });
  });
});
