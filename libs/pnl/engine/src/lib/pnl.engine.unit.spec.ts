/**
 * The engine's fold and reaction on a recorded session (test-data/: a real gateway + simulator
 * run, with the PnlUpdated events the live app stored): folding the session's inputs with the
 * engine's projection and storing what `react` asks for gives exactly the recorded PnlUpdated
 * events, ids included; a second fold of the same log gives the same writes (idempotent).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/Either';
import { decodeStored, RecordedEvent } from '@keel/events';
import { checkpointWrites } from './pnl.engine';
import { PnlEngineState, pnlProjection } from './pnl.projection';

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

const replay = () => {
  let state: PnlEngineState = pnlProjection.initial;
  const writes = [];
  for (const e of session) {
    if (!pnlProjection.eventTypes.includes(e.type)) continue;
    state = pnlProjection.evolve(state, e);
    const w = checkpointWrites(e, state.checkpoints);
    if (E.isLeft(w)) throw new Error(JSON.stringify(w.left));
    writes.push(...w.right);
  }
  return { state, writes };
};

describe('balance-aggregator on the recorded session', () => {
  const recorded = recordedNow(session);

  it('the recorded session has fills, a flip and minute checkpoints to compare', () => {
    expect(recorded.map((e) => e.data.trigger)).toEqual([
      'fill',
      'fill',
      'fill',
      'fill',
      'fill',
      'fill',
      'interval',
      'interval',
    ]);
  });

  it('re-derives every recorded PnlUpdated: same stream, same id, same figures, same time', () => {
    const { writes } = replay();
    const derived = writes.flatMap((w) =>
      w.events.map((e) => ({
        stream: w.stream,
        eventId: e.eventId,
        type: e.type,
        data: e.data,
        occurredAt: e.occurredAt,
        causationId: e.causationId,
      })),
    );
    expect(derived).toEqual(
      recorded.map((e) => ({
        stream: e.stream,
        eventId: e.eventId,
        type: e.type,
        data: e.data,
        occurredAt: e.occurredAt,
        causationId: e.causationId,
      })),
    );
  });

  it('keeps one book per account × instrument, flat cost 0 never negative zero, and survives a snapshot round trip', () => {
    const { state } = replay();
    expect(Object.keys(state.ledger.books)).toEqual(['pnl-int-1 BTC/USDT:USDT']);
    const snap = JSON.parse(JSON.stringify(state)) as PnlEngineState;
    const next = session.find((e) => e.type === 'QuoteUpdated')!;
    expect(pnlProjection.evolve(snap, next)).toEqual(pnlProjection.evolve(state, next));
  });

  it('ignores the types it does not fold', () => {
    const s = pnlProjection.evolve(
      pnlProjection.initial,
      session.find((e) => e.type === 'TradePrinted')!,
    );
    expect(s).toBe(pnlProjection.initial);
  });
});
