/**
 * A log written by an older event contract still decodes and replays to the same PnL and
 * positions. The fixture (fixtures/log-v0.1.0.jsonl.gz, see the README beside it) is the whole
 * event log of a short simulation run made by the code of commit cc53690, one `RecordedEvent`
 * per line as the store returned it. It is loaded into a real embedded SQLite store exactly as
 * stored (old type names, versions, payloads, ids, positions), then read back through today's
 * code:
 *  (a) every event reads back through the store's read path (upcast + validation) without error;
 *  (b) the PnL replay (`runPnlBackfill`, what `keel replay pnl` runs) rebuilds every stored
 *      PnlUpdated checkpoint exactly, in order, and `verifyPnlCheckpoints` (what `keel replay
 *      balance-aggregator` runs) agrees;
 *  (c) per (account, instrument): start + Σ signed OrderFilled = the last PositionSnapshot =
 *      the position the execution parent-order fold gives (`executionPositions`).
 * Event type names are today's; after a rename the assertions name the new types, and the
 * fixture stays as it is (never regenerate it with newer code).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { describeError, EVENT_DEFINITIONS, RecordedEvent, validateData } from '@keel/events';
import {
  bulkLoadSqlite,
  decodeRawEnvelope,
  EventStore,
  openRawLogScanner,
  openSqliteEventStore,
} from '@keel/event-store';
import {
  decodeParentOrderEvent,
  emptyAggregate,
  evolveAggregate,
  ExecutionAggregate,
} from '@keel/execution-domain';
import { PnlCheckpoint } from '@keel/pnl-domain';
import { LogSource, openLogSource, runPnlBackfill, verifyPnlCheckpoints } from '@keel/pnl-replay';
import { TempDir, tempDir } from '@keel/testing';

// ---- the execution fold: the one part to rewrite when the execution domain's API changes ----

/**
 * The position of every (account, instrument) as the execution parent-order fold gives it: each
 * `execution-…` stream folded in order with `decodeParentOrderEvent` (the catalog's codec, after
 * the store's upcast) + `evolveAggregate` (a stored
 * ParentOrderRejected only takes up a revision, as in the engine's loader), read from
 * `state.position` (start position + the parent orders' signed fills). Key `<account> <instrument>`.
 */
const executionPositions = (events: readonly RecordedEvent[]): Map<string, Decimal> => {
  const aggregates = new Map<string, ExecutionAggregate>();
  for (const e of events) {
    if (!e.stream.startsWith('execution-') || e.type === 'ParentOrderRejected') continue;
    const { accountId, instrument } = e.data as { accountId: string; instrument: string };
    const agg = aggregates.get(e.stream) ?? emptyAggregate(accountId, instrument);
    const d = decodeParentOrderEvent(e);
    if (E.isLeft(d))
      throw new Error(`${e.stream}@${e.streamRevision} (${e.type}) does not fold: ${describeError(d.left)}`);
    aggregates.set(e.stream, evolveAggregate(agg, d.right));
  }
  return new Map([...aggregates.values()].map((a) => [`${a.accountId} ${a.symbol}`, a.state.position]));
};

// ---- the fixture -------------------------------------------------------------------------------

const FIXTURE = path.join(__dirname, 'fixtures', 'log-v0.1.0.jsonl.gz');
const fixture: readonly RecordedEvent[] = zlib
  .gunzipSync(fs.readFileSync(FIXTURE))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as RecordedEvent);
const countsByType = [...new Set(fixture.map((e) => e.type))]
  .sort()
  .map((t) => `${t} ${fixture.filter((e) => e.type === t).length}`)
  .join(', ');
const storedCheckpoints = fixture.filter((e) => e.type === 'PnlUpdated');

let dir: TempDir;
let file: string;
let store: EventStore;
/** The whole log as today's code reads it back through the port (decoded, upcast), or why it cannot. */
let readBack: E.Either<string, readonly RecordedEvent[]>;
const decoded = (): readonly RecordedEvent[] => {
  if (E.isLeft(readBack)) throw new Error(`the log does not read back: ${readBack.left}`);
  return readBack.right;
};

const ok = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(typeof r.left === 'string' ? r.left : describeError(r.left as never));
  return r.right;
};
const key = (accountId: string, instrument: string): string => `${accountId} ${instrument}`;
const add = (m: Map<string, Decimal>, k: string, v: Decimal.Value): void => {
  m.set(k, (m.get(k) ?? new Decimal(0)).plus(v));
};

beforeAll(async () => {
  dir = await tempDir('keel-legacy-log');
  file = path.join(dir.path, 'legacy.sqlite');
  // The bulk loader writes rows exactly as the store lays them out, numbering positions 1…N and
  // each stream's revisions 0… in the order given: the fixture's own, which these preconditions check.
  const revisions = new Map<string, number>();
  fixture.forEach((e, i) => {
    const r = (revisions.get(e.stream) ?? -1) + 1;
    revisions.set(e.stream, r);
    if (e.globalPosition !== i + 1 || e.streamRevision !== r)
      throw new Error(`fixture line ${i + 1} is not at position ${i + 1} / ${e.stream}@${r}`);
  });
  bulkLoadSqlite(
    file,
    fixture.map((e) => ({
      stream: e.stream,
      recordedAt: e.recordedAt,
      event: {
        eventId: e.eventId,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: e.data,
        correlationId: e.correlationId,
        causationId: e.causationId,
        producer: e.producer,
        occurredAt: e.occurredAt,
      },
    })),
  );
  store = ok(openSqliteEventStore({ path: file }));
  const events: RecordedEvent[] = [];
  readBack = E.right(events);
  for (let after = 0; ;) {
    const page = await store.readAll({ after, maxCount: 500 })();
    if (E.isLeft(page)) {
      readBack = E.left(describeError(page.left));
      break;
    }
    events.push(...page.right.events);
    after = page.right.lastPosition;
    if (page.right.isEnd) break;
  }
});

afterAll(async () => {
  await store?.close();
  await dir?.cleanup();
});

describe(`the v0.1.0 log (${fixture.length} events: ${countsByType})`, () => {
  it('is stored as written: every row holds the fixture line (type, version, data, ids, times)', () => {
    const scanner = ok(openRawLogScanner(file));
    try {
      const rows = scanner.page(0, Number.MAX_SAFE_INTEGER, [], fixture.length + 1);
      expect(rows).toHaveLength(fixture.length);
      rows.forEach(([position, type, envelope], i) => {
        const line = fixture[i];
        expect({ position, type, envelope: JSON.parse(envelope) as unknown }).toEqual({
          position: line?.globalPosition,
          type: line?.type,
          envelope: line,
        });
      });
    } finally {
      scanner.close();
    }
  });

  it('(a) every stored event reads back and decodes with today’s code', () => {
    const scanner = ok(openRawLogScanner(file));
    try {
      const rows = scanner.page(0, Number.MAX_SAFE_INTEGER, [], fixture.length + 1);
      const failures = rows.flatMap((row) => {
        const d = decodeRawEnvelope(row);
        return E.isLeft(d) ? [describeError(d.left)] : [];
      });
      expect(failures).toEqual([]);
    } finally {
      scanner.close();
    }
    // The port's read path (what every app's start-up and every replay reads) gives the same events.
    if (E.isLeft(readBack)) throw new Error(`the store's read path fails: ${readBack.left}`);
    expect(
      decoded().map((e) => [e.globalPosition, e.eventId, e.stream, e.streamRevision, e.occurredAt]),
    ).toEqual(fixture.map((e) => [e.globalPosition, e.eventId, e.stream, e.streamRevision, e.occurredAt]));
    // Read as today's contract: a renamed type reads under its new name, every event at its current
    // version (the catalog's `formerly` and upcasters), and every payload in today's shape.
    const RENAMED: Readonly<Record<string, string>> = {
      CancelRequested: 'ChildOrderCancelRequested',
      ChildOrderClosed: 'ChildOrderCancelled',
      ParentOrderProgress: 'ParentOrderProgressReported',
      PositionSnapshot: 'PositionReported',
      BalanceSnapshot: 'BalanceReported',
    };
    const types = decoded().map((e) => e.type as string);
    expect(types).toEqual(fixture.map((e) => RENAMED[e.type] ?? e.type));
    for (const e of decoded()) {
      expect(e.schemaVersion).toBe(EVENT_DEFINITIONS[e.type].version);
      expect(validateData(e.type, e.data)).toEqual(E.right(e.data));
    }
    expect(types.filter((t) => t === 'ChildOrderCancelRequested').length).toBeGreaterThan(0);
  });

  it('(a) a read filtered by today’s type names also finds the rows stored under the former names', async () => {
    const types = ['PositionReported', 'ChildOrderCancelRequested', 'ParentOrderProgressReported'] as const;
    const page = await store.readAll({
      after: 0,
      maxCount: fixture.length + 1,
      filter: { eventTypes: types },
    })();
    if (E.isLeft(page)) throw new Error(describeError(page.left));
    const stored = fixture.filter((e) =>
      ['PositionSnapshot', 'CancelRequested', 'ParentOrderProgress'].includes(e.type),
    );
    expect(stored.length).toBeGreaterThan(0);
    expect(page.right.events.map((e) => [e.globalPosition, e.type])).toEqual(
      stored.map((e) => [
        e.globalPosition,
        { PositionSnapshot: 'PositionReported', CancelRequested: 'ChildOrderCancelRequested' }[
          e.type as 'PositionSnapshot' | 'CancelRequested'
        ] ?? 'ParentOrderProgressReported',
      ]),
    );
  });

  it('(a) the raw scanner (the PnL replay’s path) also finds rows stored under a former name, as stored', () => {
    const scanner = ok(openRawLogScanner(file));
    try {
      const rows = scanner.page(0, Number.MAX_SAFE_INTEGER, ['BalanceReported'], fixture.length + 1);
      const stored = fixture.filter((e) => (e.type as string) === 'BalanceSnapshot');
      expect(stored.length).toBeGreaterThan(0);
      expect(rows.map(([position, type]) => [position, type])).toEqual(
        stored.map((e) => [e.globalPosition, 'BalanceSnapshot']),
      );
      expect(rows.map((r) => ok(decodeRawEnvelope(r)).type)).toEqual(stored.map(() => 'BalanceReported'));
    } finally {
      scanner.close();
    }
  });

  it(`(b) the PnL replay rebuilds all ${storedCheckpoints.length} stored PnlUpdated checkpoints exactly`, async () => {
    const stored = decoded()
      .filter((e): e is RecordedEvent<'PnlUpdated'> => e.type === 'PnlUpdated')
      .map((e) => e.data);
    expect(stored).toHaveLength(storedCheckpoints.length);
    expect(stored.length).toBeGreaterThan(0);

    const source: LogSource = ok(await openLogSource(`sqlite:${file}`));
    try {
      const rebuilt: PnlCheckpoint[] = [];
      await runPnlBackfill(source, {
        intervalMs: 60_000,
        write: () => undefined,
        archive: false,
        onCheckpoint: (c) => rebuilt.push(c),
      });
      const fields = [
        'accountId',
        'instrument',
        'trigger',
        'asOfPosition',
        'asOf',
        'position',
        'avgCost',
        'mark',
        'realizedPnl',
        'unrealizedPnl',
        'fees',
        'funding',
        'netPnl',
      ] as const;
      for (let i = 0; i < Math.max(stored.length, rebuilt.length); i++) {
        const s = stored[i];
        const r = rebuilt[i];
        const differing = fields.filter((f) => s?.[f] !== r?.[f]);
        if (differing.length > 0)
          throw new Error(
            `checkpoint #${i} (${s ? `${s.accountId} ${s.instrument} ${s.trigger} at position ${s.asOfPosition}` : 'not stored'}) differs in ${differing.join(', ')}:\n` +
              `  stored  ${JSON.stringify(s ?? null)}\n  rebuilt ${JSON.stringify(r ?? null)}`,
          );
        expect(Object.keys(r ?? {}).sort()).toEqual(Object.keys(s ?? {}).sort());
      }

      // `keel replay pnl`'s default (fixed-point) fold writes the same interval rows as the reference fold.
      const csv = async (reference: boolean): Promise<{ fold: string; text: string }> => {
        let text = '';
        const r = await runPnlBackfill(source, {
          intervalMs: 60_000,
          archive: false,
          reference,
          write: (t) => (text += t),
        });
        return { fold: r.fold, text };
      };
      const fixed = await csv(false);
      const reference = await csv(true);
      expect([fixed.fold, reference.fold]).toEqual(['fixed', 'reference']);
      expect(fixed.text.split('\n').length).toBeGreaterThan(2);
      expect(fixed.text).toBe(reference.text);

      // And the check `keel replay balance-aggregator` runs against the live figures.
      const verified = await verifyPnlCheckpoints(source);
      expect(verified).toEqual({
        compared: stored.length,
        liveCheckpoints: stored.length,
        match: true,
        firstMismatch: null,
      });
    } finally {
      await source.close();
    }
  });

  it('(c) per account and instrument: start + signed fills = last PositionReported = the execution fold', () => {
    const start = new Map<string, Decimal>();
    const last = new Map<string, Map<string, Decimal>>();
    const fills = new Map<string, Decimal>();
    for (const e of decoded()) {
      if (e.type === 'PositionReported') {
        const snap = new Map(
          e.data.positions.map((p) => [key(e.data.accountId, p.instrument), new Decimal(p.qty)]),
        );
        if (!last.has(e.data.accountId)) for (const [k, q] of snap) start.set(k, q);
        last.set(e.data.accountId, snap);
      }
      if (e.type === 'OrderFilled')
        add(
          fills,
          key(e.data.accountId, e.data.instrument),
          e.data.side === 'buy' ? e.data.qty : `-${e.data.qty}`,
        );
    }
    const reported = new Map([...last.values()].flatMap((m) => [...m]));
    const fromFills = new Map(start);
    for (const [k, q] of fills) add(fromFills, k, q);
    const fromExecution = executionPositions(decoded());

    // Every account that traded or ran a parent order has a PositionReported.
    const accounts = new Set([...fills.keys(), ...fromExecution.keys()].map((k) => k.split(' ')[0] ?? ''));
    for (const a of accounts) expect(last.has(a)).toBe(true);
    const keys = [...new Set([...fromFills.keys(), ...reported.keys(), ...fromExecution.keys()])].sort();
    const show = (m: Map<string, Decimal>, k: string): string => (m.get(k) ?? new Decimal(0)).toFixed();
    const table = keys.map((k) => ({
      book: k,
      fills: show(fromFills, k),
      snapshot: show(reported, k),
      execution: show(fromExecution, k),
    }));
    const agreed = keys.map((k) => {
      const q = show(fromFills, k);
      return { book: k, fills: q, snapshot: q, execution: q };
    });
    expect(table).toEqual(agreed);
    // Not trivially flat: the run ends with open books (and went through flat on the way).
    expect(table.filter((r) => r.fills !== '0').length).toBeGreaterThanOrEqual(2);
  });
});
