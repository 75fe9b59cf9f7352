/**
 * The engine as a simulation hosts it: the same `startPnlEngine` the balance-aggregator runs,
 * on in-process ports (memory store, memory bus behind the real relay, virtual clock). Fed
 * the recorded session (test-data/) as it arrives, it stores exactly the PnlUpdated events the
 * live app stored, ids included; restarted, it replays from its snapshot and writes nothing new.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/Either';
import { decodeStored, deriveId, RecordedEvent } from '@keel/events';
import { createMemoryEventStore, TestableEventStore } from '@keel/event-store';
import { createMemoryBus, EventBus } from '@keel/bus';
import { Relay, startRelay } from '@keel/relay';
import { createLogger, createVirtualClock } from '@keel/runtime';
import { RunningPnlEngine, startPnlEngine } from './pnl.engine';

const session = zlib
  .gunzipSync(
    fs.readFileSync(path.join(__dirname, '../../test-data/sim-session-btcusdt-2026-01-01T0000-pnl.jsonl.gz')),
  )
  .toString('utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as RecordedEvent);
/**
 * The live app's PnlUpdated as any reader reads them: stored as v1 (before contract sizes and
 * fee conversion), upcast to today's version, which keeps every v1 figure and adds contract
 * size 1 and no unconverted amounts (this session's instrument has contract size 1 and pays
 * its fees in USDT, its settle asset: the old method was right, so the figures must not move).
 */
const recordedNow = (log: readonly RecordedEvent[]): RecordedEvent<'PnlUpdated'>[] =>
  log
    .filter((e) => e.type === 'PnlUpdated')
    .map((e) => {
      if (e.schemaVersion !== 1)
        throw new Error(`the session's PnlUpdated are v1; this one is v${e.schemaVersion}`);
      const d = decodeStored(e);
      if (E.isLeft(d)) throw new Error(JSON.stringify(d.left));
      return d.right as RecordedEvent<'PnlUpdated'>;
    });
const recorded = recordedNow(session);
const lastInput = Math.max(
  ...session
    .filter((e) => ['OrderFilled', 'QuoteUpdated', 'FundingPaid'].includes(e.type))
    .map((e) => e.globalPosition),
);
const comparable = (e: RecordedEvent) => ({
  stream: e.stream,
  eventId: e.eventId,
  type: e.type,
  data: e.data,
  occurredAt: e.occurredAt,
  causationId: e.causationId,
});

const logger = createLogger({ name: 'spec', level: 'silent' });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

let store: TestableEventStore;
let bus: EventBus;
let relay: Relay;

const ok = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};
const start = async (): Promise<RunningPnlEngine> =>
  ok(
    await startPnlEngine(
      { store, bus, clock: createVirtualClock(Date.parse('2026-01-01T00:00:00Z')), logger },
      { snapshotEvery: 100 },
    ),
  );
const stored = async (): Promise<RecordedEvent[]> =>
  [...ok(await store.readAll({ after: 0, maxCount: 1_000_000 })()).events].filter(
    (e) => e.type === 'PnlUpdated',
  );

beforeEach(async () => {
  store = createMemoryEventStore();
  bus = createMemoryBus();
  relay = ok(await startRelay({ store, bus, logger: quiet }));
});

afterEach(async () => {
  await relay.stop();
  await bus.close();
  await store.close();
});

it('stores the recorded PnlUpdated events while the session arrives, and none again after a restart', async () => {
  const engine = await start();
  // Each event at its recorded position: the live app's PnlUpdated become inert fillers (a
  // stream the engine never reads) so the inputs keep the positions the figures were made at.
  for (const e of session) {
    const { stream, streamRevision: _r, globalPosition: _p, recordedAt: _t, ...raw } = e;
    const filler = e.type === 'PnlUpdated';
    ok(
      await store.appendRawUnchecked(filler ? 'spec-filler' : stream, [
        filler ? { ...raw, eventId: deriveId('spec-filler', e.eventId) } : raw,
      ])(),
    );
  }
  for (let i = 0; i < 1000 && engine.position() < lastInput; i++) await new Promise((r) => setTimeout(r, 5));
  const written = (await stored()).filter((e) => e.stream !== 'spec-filler');
  expect(written.map(comparable)).toEqual(recorded.map(comparable));
  await engine.stop();

  const again = await start();
  expect(again.position()).toBeGreaterThanOrEqual(lastInput);
  expect((await stored()).filter((e) => e.stream !== 'spec-filler')).toHaveLength(recorded.length);
  await again.stop();
});
