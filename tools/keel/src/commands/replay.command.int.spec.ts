/**
 * `keel replay …` on real SQLite stores: bad input names the flag and the value (exit 2);
 * an event that no longer decodes stops the backfill at its position (exit 1) unless
 * `--skip-undecodable`; the same log gives the same bytes; a live state that differs from the
 * rebuild is reported with the path and the event that caused it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, EventType, newEvent } from '@keel/events';
import { bulkLoadSqlite, openSqliteEventStore, TestableEventStore } from '@keel/event-store';
import { syntheticSession } from '@keel/pnl-replay';
import { emptyAccountLog, evolveAccountLog, gatewayProjection } from '@keel/venue-engine';
import { TempDir, tempDir } from '@keel/testing';
import { Io, UsageError } from '../cli.io';
import { replayCommand, replayPnlCommand, replayProjectionCommands } from './replay.command';

const root = path.resolve(__dirname, '../../../..');
let dir: TempDir;
let good: string;
let broken: string;

const capture = (): Io & { results: unknown[] } => {
  const results: unknown[] = [];
  return { json: true, results, progress: () => undefined, result: (v) => results.push(v) };
};
const open = (file: string): TestableEventStore => {
  const s = openSqliteEventStore({ path: file });
  if (E.isLeft(s)) throw new Error(JSON.stringify(s.left));
  return s.right;
};
const ok = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
const meta = (n: number) => ({
  correlationId: `c${n}`,
  causationId: null,
  producer: 'spec',
  occurredAt: `2026-01-05T00:00:0${n}.000Z`,
});
const ev = <T extends EventType>(type: T, n: number, data: EventData<T>) =>
  ok(newEvent(type, deriveId('replay-spec', n), data, meta(n)));

beforeAll(async () => {
  dir = await tempDir('keel-replay-cli');
  good = path.join(dir.path, 'good.sqlite');
  bulkLoadSqlite(good, syntheticSession({ events: 3_000 }));
  broken = path.join(dir.path, 'broken.sqlite');
  bulkLoadSqlite(broken, syntheticSession({ events: 500 }));
  const s = open(broken);
  // A quote whose bid no longer passes its schema, written past validation as old data could be.
  ok(
    await s.appendRawUnchecked('venue-md.binanceusdm', [
      {
        ...meta(1),
        eventId: deriveId('bad-quote'),
        type: 'QuoteUpdated',
        schemaVersion: 2,
        data: {
          venue: 'x',
          instrument: 'BTC/USDT:USDT',
          bidPrice: 'abc',
          bidQty: '1',
          askPrice: '1',
          askQty: '1',
          venueAt: '2026-01-05T00:00:00Z',
        },
      },
    ])(),
  );
  await s.close();
});

afterAll(async () => dir?.cleanup());

const pnl = (...args: string[]) => replayPnlCommand.run(args, capture());
const out = (name: string) => path.join(dir.path, name);

describe('keel replay pnl: bad input', () => {
  it.each([
    [
      'an unknown store scheme',
      ['--store', 'foo://x', '--interval', '1m', '--out', 'x.csv'],
      /--store has an unknown event store scheme "foo:".*\(got "foo:\/\/x"\)/,
    ],
    [
      'a store file that does not exist',
      ['--store', 'sqlite:/nonexistent/keel.sqlite', '--interval', '1m', '--out', 'x.csv'],
      /--store names no store file .*\(got "sqlite:\/nonexistent\/keel.sqlite"\)/,
    ],
    [
      'an interval it cannot parse',
      ['--store', 'sqlite:x', '--interval', '5m', '--out', 'x.csv'],
      /--interval must be one of 1m, 1h, 1d \(got "5m"\)/,
    ],
    [
      '--from after --to',
      [
        '--store',
        'sqlite:x',
        '--interval',
        '1h',
        '--out',
        'x.csv',
        '--from',
        '2026-01-02T00:00:00Z',
        '--to',
        '2026-01-01T00:00:00Z',
      ],
      /--from must be before --to \(got --from "2026-01-02T00:00:00Z" --to "2026-01-01T00:00:00Z"\)/,
    ],
    [
      'a --from that is not a time',
      ['--store', 'sqlite:x', '--interval', '1h', '--out', 'x.csv', '--from', 'yesterday'],
      /--from must be an ISO-8601 time .*\(got "yesterday"\)/,
    ],
    ['a missing --out', ['--store', 'sqlite:x', '--interval', '1h'], /--out is required/],
  ])('rejects %s, naming the flag and the value', async (_what, args, message) => {
    const run = pnl(...args);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
  });

  it('a store that is not a Keel store', async () => {
    fs.writeFileSync(out('not-a-store.sqlite'), 'hello');
    await expect(
      pnl('--store', `sqlite:${out('not-a-store.sqlite')}`, '--interval', '1m', '--out', out('n.csv')),
    ).rejects.toThrow(/--store cannot be read as an event store/);
  });
});

describe('keel replay pnl: the backfill', () => {
  it('same log, same bytes; the window keeps only the intervals inside it', async () => {
    const io1 = capture();
    expect(
      await replayPnlCommand.run(
        ['--store', `sqlite:${good}`, '--interval', '1m', '--out', out('a.csv')],
        io1,
      ),
    ).toBe(0);
    expect(await pnl('--store', `sqlite:${good}`, '--interval', '1m', '--out', out('b.csv'))).toBe(0);
    expect(fs.readFileSync(out('a.csv')).equals(fs.readFileSync(out('b.csv')))).toBe(true);
    expect(io1.results[0]).toMatchObject({
      events: 3_000,
      outputRows: expect.any(Number),
      peakRssMb: expect.any(Number),
      eventsPerSec: expect.any(Number),
    });
    const io2 = capture();
    expect(
      await replayPnlCommand.run(
        [
          '--store',
          `sqlite:${good}`,
          '--interval',
          '1m',
          '--out',
          out('w.csv'),
          '--from',
          '2026-01-05T00:00:10Z',
          '--to',
          '2026-01-05T00:00:40Z',
        ],
        io2,
      ),
    ).toBe(0);
    const starts = new Set(
      fs
        .readFileSync(out('w.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
    );
    expect([...starts]).toEqual([]); // 30 s hold no whole minute
    expect(
      await pnl(
        '--store',
        `sqlite:${good}`,
        '--interval',
        '1m',
        '--out',
        out('w2.csv'),
        '--from',
        '2026-01-05T00:00:00Z',
        '--to',
        '2026-01-05T00:01:00Z',
      ),
    ).toBe(0);
    const rows = fs.readFileSync(out('w2.csv'), 'utf8').trim().split('\n').slice(1);
    expect(new Set(rows.map((l) => l.split(',')[0]))).toEqual(new Set(['2026-01-05T00:00:00.000Z']));
    // Strict decoding gives the same rows as the short cut.
    expect(
      await pnl('--store', `sqlite:${good}`, '--interval', '1m', '--out', out('s.csv'), '--strict'),
    ).toBe(0);
    expect(fs.readFileSync(out('s.csv')).equals(fs.readFileSync(out('a.csv')))).toBe(true);
  });

  it('stops at an event that no longer decodes, naming its position and type, and writes no file', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await pnl('--store', `sqlite:${broken}`, '--interval', '1h', '--out', out('broken.csv'))).toBe(
        1,
      );
      expect(String(stderr.mock.calls.map((c) => c[0]).join(''))).toMatch(
        /the replay stopped at position 501 \(QuoteUpdated\): the event no longer decodes: .*\/data\/bidPrice/,
      );
    } finally {
      stderr.mockRestore();
    }
    expect(fs.existsSync(out('broken.csv'))).toBe(false);
  });

  it('with --skip-undecodable, counts and reports each one and goes on', async () => {
    const io = capture();
    expect(
      await replayPnlCommand.run(
        [
          '--store',
          `sqlite:${broken}`,
          '--interval',
          '1h',
          '--out',
          out('skipped.csv'),
          '--skip-undecodable',
        ],
        io,
      ),
    ).toBe(0);
    expect(io.results[0]).toMatchObject({
      events: 501,
      undecodable: { count: 1, first: [{ position: 501, type: 'QuoteUpdated' }] },
    });
  });
});

describe('keel replay <projection>', () => {
  const account = 'a1';
  const build = async (file: string) => {
    const s = open(file);
    const events = [
      ev('ChildOrderRequested', 1, {
        accountId: account,
        instrument: 'BTC/USDT:USDT',
        parentOrderId: 'p',
        clientOrderId: 'c1',
        side: 'buy',
        // Filled 2 of 3: still live, so it is in the log's `orders` (a closed one moves to `closed`).
        qty: '3',
        orderType: 'market',
        limitPrice: null,
        postOnly: false,
        reduceOnly: false,
        validUntil: null,
        seq: 0,
        kind: 'taker',
        reason: 'slice',
      }),
      ev('OrderAccepted', 2, {
        accountId: account,
        instrument: 'BTC/USDT:USDT',
        clientOrderId: 'c1',
        venueOrderId: 'v1',
      }),
      ev('QuoteUpdated', 3, {
        venue: 'sim',
        instrument: 'BTC/USDT:USDT',
        bidPrice: '100',
        bidQty: '1',
        askPrice: '101',
        askQty: '1',
        venueAt: '2026-01-05T00:00:03.000Z',
      }),
      ev('OrderFilled', 4, {
        accountId: account,
        instrument: 'BTC/USDT:USDT',
        clientOrderId: 'c1',
        tradeId: 't1',
        side: 'buy',
        qty: '2',
        price: '101',
        fee: '0.1',
        feeAsset: 'USDT',
        liquidity: 'taker',
      }),
    ];
    for (const e of events) ok(await s.append('venue-a1', [e], 'any')());
    return { s, events };
  };

  it('equal when the live snapshot is the fold; otherwise names the path and the event that made it differ', async () => {
    const file = out('gw.sqlite');
    const { s, events } = await build(file);
    const log = events.reduce(
      (l, e, i) =>
        evolveAccountLog(l, {
          ...e,
          stream: 'venue-a1',
          streamRevision: i,
          globalPosition: i + 1,
          recordedAt: e.occurredAt,
        } as never),
      emptyAccountLog(account),
    );
    ok(
      await s.saveSnapshot('app:gateway', {
        position: 4,
        version: gatewayProjection([]).version,
        state: { logs: { [account]: log }, gate: {} },
      })(),
    );
    const gateway = replayProjectionCommands['replay gateway']!;
    const io = capture();
    expect(await gateway.run(['--store', `sqlite:${file}`], io)).toBe(0);
    expect(io.results[0]).toMatchObject({ projection: 'gateway', position: 4, events: 3, match: true });

    const tampered = { ...log, orders: { c1: { ...log.orders['c1']!, filledQty: '1' } } };
    ok(
      await s.saveSnapshot('app:gateway', {
        position: 4,
        version: gatewayProjection([]).version,
        state: { logs: { [account]: tampered }, gate: {} },
      })(),
    );
    const io2 = capture();
    expect(await gateway.run(['--store', `sqlite:${file}`], io2)).toBe(1);
    expect(io2.results[0]).toMatchObject({
      match: false,
      difference: {
        path: '/a1/orders/c1/filledQty',
        live: '1',
        rebuilt: '2',
        event: { position: 4, type: 'OrderFilled' },
      },
    });
    await s.close();
  });

  it('balance-aggregator: a live PnlUpdated that differs from the backfill is named by the event it follows', async () => {
    const file = out('agg.sqlite');
    const { s } = await build(file);
    const wrong = {
      accountId: account,
      instrument: 'BTC/USDT:USDT',
      trigger: 'fill' as const,
      asOfPosition: 4,
      asOf: '2026-01-05T00:00:04.000Z',
      position: '2',
      avgCost: '101',
      mark: '100.5',
      realizedPnl: '0',
      unrealizedPnl: '-1',
      fees: '0.1',
      funding: '0',
      netPnl: '-1.2',
      contractSize: '1',
      unconvertedFees: {},
      unconvertedFunding: {},
    };
    ok(await s.append('pnl-a1', [ev('PnlUpdated', 5, wrong)], 'any')());
    ok(
      await s.saveSnapshot('app:balance-aggregator', {
        position: 4,
        version: 3,
        state: {
          ledger: { books: {}, byInstrument: {}, quotes: {}, venueOf: {}, listed: {}, firstVenue: {} },
          checkpoints: [],
        },
      })(),
    );
    await s.close();
    const io = capture();
    expect(
      await replayProjectionCommands['replay balance-aggregator']!.run(['--store', `sqlite:${file}`], io),
    ).toBe(1);
    expect(io.results[0]).toMatchObject({
      match: false,
      difference: { path: '/books/a1 BTC/USDT:USDT', event: { position: 4, type: 'OrderFilled' } },
      checkpoints: {
        match: false,
        compared: 0,
        firstMismatch: {
          event: { position: 4, type: 'OrderFilled' },
          rebuilt: { netPnl: '-1.1' },
          live: { netPnl: '-1.2' },
        },
      },
    });
  });

  it('names what exists for an unknown projection', async () => {
    await expect(replayCommand.run(['optimiser', '--store', 'x'], capture())).rejects.toThrow(
      /unknown projection "optimiser"; use pnl, balance-aggregator, gateway/,
    );
  });

  it('the process: --json prints only JSON; a bad flag exits 2 with the reason on stderr', () => {
    const keel = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'tools/keel/src/main.ts', ...args], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
    const bad = keel(
      'replay',
      'pnl',
      '--store',
      `sqlite:${good}`,
      '--interval',
      'weekly',
      '--out',
      out('x.csv'),
      '--json',
    );
    expect({ status: bad.status, stdout: bad.stdout }).toEqual({ status: 2, stdout: '' });
    expect(bad.stderr).toMatch(/keel: --interval must be one of 1m, 1h, 1d \(got "weekly"\)/);
    // The scan in a worker thread (--threads 2) writes the same bytes as one thread.
    const r = keel(
      'replay',
      'pnl',
      '--store',
      `sqlite:${good}`,
      '--interval',
      '1m',
      '--out',
      out('t2.csv'),
      '--json',
      '--threads',
      '2',
    );
    expect({ status: r.status, stderr: r.stderr.replace(/replay pnl \[.*\n/g, '') }).toEqual({
      status: 0,
      stderr: '',
    });
    expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(
      expect.arrayContaining(['events', 'eventsPerSec', 'peakRssMb', 'outputRows']),
    );
    expect(fs.readFileSync(out('t2.csv')).equals(fs.readFileSync(out('a.csv')))).toBe(true);
  });
});
