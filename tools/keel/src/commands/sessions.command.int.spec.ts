/**
 * `keel sessions trade-all|stop-all` on a real embedded SQLite store: what each run appends
 * (one global event, or one per account, with operator and reason), that bad input appends
 * nothing, and that the events really stop and resume trading: the execution engine runs on
 * the same SQLite file with the relay and a real nats-server between them, as in a session,
 * and the command writes through its own store handle, as the separate CLI process does.
 */
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { Registry } from 'prom-client';
import { deriveId, EventData, EventType, newEvent, NewEvent, RecordedEvent } from '@keel/events';
import { EventStore, openSqliteEventStore, TestableEventStore } from '@keel/event-store';
import { connectNatsBus, EventBus } from '@keel/bus';
import { Relay, startRelay } from '@keel/relay';
import { createLogger, createVirtualClock, runEngine, RunningEngine, VirtualClock } from '@keel/runtime';
import { BINANCE_USDM_BTCUSDT, instrumentToStored } from '@keel/instruments';
import { executionStream, ExecutionView } from '@keel/execution-domain';
import { createExecutionEngine, ExecutionEngine } from '@keel/execution-engine';
import { NatsServer, startNatsServer, TempDir, tempDir } from '@keel/testing';
import { Io, UsageError } from '../cli.io';
import { sessionsCommands, SessionsDeps, SessionsRecorded } from './sessions.command';

let dir: TempDir;
beforeAll(async () => (dir = await tempDir('keel-sessions-cli')));
afterAll(async () => dir?.cleanup());

const T0 = Date.parse('2026-03-02T10:00:00.000Z');

const capture = (): Io & { results: unknown[]; progressed: string[] } => {
  const results: unknown[] = [];
  const progressed: string[] = [];
  return {
    json: true,
    results,
    progressed,
    progress: (m) => progressed.push(m),
    result: (v) => results.push(v),
  };
};

const run = async (
  verb: 'tradeAll' | 'stopAll',
  args: readonly string[],
  deps: SessionsDeps = {},
): Promise<{ code: number; result: SessionsRecorded; io: ReturnType<typeof capture> }> => {
  const io = capture();
  const code = await sessionsCommands({ env: {}, osUser: () => 'ops-spec', ...deps })[verb].run(args, io);
  return { code, result: io.results[0] as SessionsRecorded, io };
};

const open = (file: string): TestableEventStore => {
  const s = openSqliteEventStore({ path: file, pollIntervalMs: 5 });
  if (E.isLeft(s)) throw new Error(JSON.stringify(s.left));
  return s.right;
};

const allEvents = async (file: string): Promise<readonly RecordedEvent[]> => {
  const s = open(file);
  try {
    const page = await s.readAll({ maxCount: 1000 })();
    if (E.isLeft(page)) throw new Error(JSON.stringify(page.left));
    return page.right.events;
  } finally {
    await s.close();
  }
};

describe('keel sessions: what it records', () => {
  let file: string;
  let uri: string;
  beforeAll(() => {
    file = path.join(dir.path, 'records.sqlite');
    uri = `sqlite:${file}`;
  });

  it('stop-all without --account: one TradingSessionStopped for every account, in control-global', async () => {
    const { code, result } = await run('stopAll', ['--reason', 'venue maintenance', '--store', uri], {
      now: () => T0,
    });
    expect(code).toBe(0);
    const events = await allEvents(file);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'TradingSessionStopped',
      stream: 'control-global',
      data: { scope: 'global', accountId: null, operator: 'ops-spec', reason: 'venue maintenance' },
      producer: 'cli',
      correlationId: `cli-sessions-${T0}`,
      causationId: null,
      occurredAt: '2026-03-02T10:00:00.000Z',
    });
    expect(result).toEqual({
      type: 'TradingSessionStopped',
      operator: 'ops-spec',
      reason: 'venue maintenance',
      occurredAt: '2026-03-02T10:00:00.000Z',
      store: uri,
      storeCreated: true,
      events: [
        {
          eventId: events[0]?.eventId,
          stream: 'control-global',
          globalPosition: events[0]?.globalPosition,
          streamRevision: 0,
          scope: 'global',
          accountId: null,
        },
      ],
    });
  });

  it('the same command at the same instant is the same event (appended once)', async () => {
    expect(
      (await run('stopAll', ['--reason', 'venue maintenance', '--store', uri], { now: () => T0 })).code,
    ).toBe(0);
    expect(await allEvents(file)).toHaveLength(1);
  });

  it('trade-all --account … : one TradingSessionStarted per account (each once, in order), operator from USER', async () => {
    const { code, result } = await run(
      'tradeAll',
      [
        '--account',
        'okx-1',
        '--account',
        'binance-main',
        '--account',
        'okx-1',
        '--reason',
        'back',
        '--store',
        uri,
      ],
      { now: () => T0 + 1000, env: { USER: 'alice' } },
    );
    expect(code).toBe(0);
    const events = (await allEvents(file)).slice(1);
    expect(events.map((e) => [e.type, e.stream, e.data])).toEqual([
      [
        'TradingSessionStarted',
        'control-okx-1',
        { scope: 'account', accountId: 'okx-1', operator: 'alice', reason: 'back' },
      ],
      [
        'TradingSessionStarted',
        'control-binance-main',
        { scope: 'account', accountId: 'binance-main', operator: 'alice', reason: 'back' },
      ],
    ]);
    expect(result.events.map((e) => e.accountId)).toEqual(['okx-1', 'binance-main']);
    expect(result.storeCreated).toBe(false);
  });

  it('--operator names the operator', async () => {
    const { result } = await run('stopAll', ['--reason', 'r', '--operator', 'bob', '--store', uri], {
      now: () => T0 + 2000,
      env: { USER: 'alice' },
    });
    expect(result.operator).toBe('bob');
    expect((await allEvents(file)).at(-1)?.data).toMatchObject({ operator: 'bob' });
  });
});

describe('keel sessions: bad input appends nothing and names the flag', () => {
  let file: string;
  let uri: string;
  beforeAll(async () => {
    file = path.join(dir.path, 'untouched.sqlite');
    uri = `sqlite:${file}`;
    expect((await run('stopAll', ['--reason', 'seed', '--store', uri])).code).toBe(0);
  });

  it.each<readonly [string, readonly string[], RegExp]>([
    ['no --reason', [], /--reason is required .*\(got null\)/],
    ['a blank --reason', ['--reason', '  '], /--reason is required .*\(got " {2}"\)/],
    // A bad account among good ones: nothing is appended, not even the good ones.
    [
      'one bad --account among good ones',
      ['--account', 'ok-1', '--account', 'bad id', '--reason', 'x'],
      /--account must match .*\(got "bad id"\)/,
    ],
    [
      '--account global',
      ['--account', 'global', '--reason', 'x'],
      /--account global would share control-global/,
    ],
    ['a blank --operator', ['--reason', 'x', '--operator', ''], /--operator must be 1 to 128 .*\(got ""/],
    ['an unknown flag', ['--reason', 'x', '--acount', 'a'], /--acount/],
  ])('rejects %s', async (_what, args, message) => {
    const io = capture();
    const attempt = sessionsCommands({ env: {}, osUser: () => 'ops-spec' }).tradeAll.run(
      [...args, '--store', uri],
      io,
    );
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(
      sessionsCommands({ env: {}, osUser: () => 'ops-spec' }).tradeAll.run([...args, '--store', uri], io),
    ).rejects.toThrow(message);
    expect(io.results).toEqual([]);
    expect(await allEvents(file)).toHaveLength(1);
  });

  it('rejects the memory: store', async () => {
    await expect(run('stopAll', ['--reason', 'x', '--store', 'memory:'])).rejects.toThrow(
      /^--store cannot be the memory: store.*\(got "memory:"\)$/,
    );
  });
});

describe('keel sessions: the events stop and resume trading through the execution engine', () => {
  const SYMBOL = BINANCE_USDM_BTCUSDT.symbol;
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  let nats: NatsServer;
  let file: string;
  let clock: VirtualClock;
  let store: EventStore;
  let bus: EventBus;
  let relay: Relay;
  let execution: ExecutionEngine;
  let running: RunningEngine<ExecutionView>;

  const fact = <T extends EventType>(
    type: T,
    stream: string,
    tag: string,
    data: EventData<T>,
    producer: string,
  ) => {
    const e = newEvent(type, deriveId('sessions-spec', type, tag), data, {
      correlationId: tag,
      causationId: null,
      producer,
      occurredAt: new Date(clock.now()).toISOString(),
    });
    if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
    return { stream, event: e.right as NewEvent };
  };
  const append = async (...facts: { stream: string; event: NewEvent }[]): Promise<void> => {
    for (const f of facts) {
      const r = await store.append(f.stream, [f.event], 'any')();
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    }
  };
  const streamOf = async (stream: string): Promise<RecordedEvent[]> => {
    const r = await store.readStream(stream)();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    return [...r.right];
  };
  const reasons = async (type: 'ParentOrderPaused' | 'ParentOrderResumed'): Promise<string[]> =>
    (await streamOf(executionStream('acc-1', SYMBOL)))
      .filter((e) => e.type === type)
      .map((e) => (e.data as { reason: string }).reason);
  const eventually = async (what: string, cond: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 1000; i++) {
      if (await cond()) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`never: ${what}`);
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    file = path.join(dir.path, 'session.sqlite');
    clock = createVirtualClock(T0);
    store = open(file);
    const connected = await connectNatsBus({ servers: nats.url, name: 'sessions-spec' })();
    if (E.isLeft(connected)) throw new Error(JSON.stringify(connected.left));
    bus = connected.right;
    const r = await startRelay({ store, bus, logger: quiet });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    relay = r.right;
    const logger = createLogger({ name: 'spec', level: 'silent' });
    execution = createExecutionEngine(
      { store, clock, logger, registry: new Registry() },
      { accounts: ['acc-1'], sliceMs: 10_000, maxSlices: 10, tickMs: 1000, quoteMaxAgeMs: 10_000 },
    );
    const started = await runEngine(
      execution.engine,
      { store, bus, clock, logger },
      { snapshotEvery: 1000 },
    )();
    if (E.isLeft(started)) throw new Error(JSON.stringify(started.left));
    running = started.right;
    await append(
      fact(
        'InstrumentsListed',
        'venue-sim',
        'rules',
        { venue: 'sim', accountIds: ['acc-1'], instruments: [instrumentToStored(BINANCE_USDM_BTCUSDT)] },
        'gateway',
      ),
      fact(
        'PositionReported',
        'venue-acc-1',
        'pos',
        { accountId: 'acc-1', venue: 'sim', positions: [] },
        'gateway',
      ),
      fact(
        'QuoteUpdated',
        'venue-md.sim',
        'quote',
        {
          venue: 'sim',
          instrument: SYMBOL,
          bidPrice: '90000',
          bidQty: '1',
          askPrice: '90000.1',
          askQty: '1',
          venueAt: new Date(T0).toISOString(),
        },
        'gateway',
      ),
    );
    await eventually('the facts folded', async () => execution.view().snapshotted['acc-1'] === true);
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
    await relay?.stop();
    await bus?.close();
    await store?.close();
    await nats?.dispose();
  });

  it('stop-all pauses the working parent (its child cancelled) and holds a new target; trade-all resumes and takes it up', async () => {
    const target = (tag: string, qty: string) =>
      fact(
        'TargetPositionSet',
        'portfolio-acc-1',
        tag,
        { accountId: 'acc-1', instrument: SYMBOL, targetQty: qty, horizonSec: 60, reason: 'spec' },
        'optimizer',
      );
    await append(target('t1', '0.05'));
    const stream = executionStream('acc-1', SYMBOL);
    await eventually('a parent order', async () =>
      (await streamOf(stream)).some((e) => e.type === 'ParentOrderStarted'),
    );
    expect(E.isRight(await execution.tick(T0 + 500))).toBe(true);
    expect((await streamOf(stream)).map((e) => e.type)).toContain('ChildOrderRequested');

    const uri = `sqlite:${file}`;
    const stop = await run('stopAll', ['--reason', 'spec stop', '--operator', 'ops', '--store', uri], {
      now: () => T0 + 600,
    });
    expect(stop.code).toBe(0);
    expect(stop.result.storeCreated).toBe(false);
    await eventually('paused by the session', async () =>
      (await reasons('ParentOrderPaused')).includes('sessionStopped'),
    );
    expect((await streamOf(stream)).map((e) => e.type)).toContain('ChildOrderCancelRequested');

    // A new target while stopped: no parent order starts or is superseded; ticks send nothing.
    const before = (await streamOf(stream)).length;
    await append(target('t2', '-0.02'));
    await eventually(
      'the target folded',
      async () => execution.view().targets['acc-1']?.[SYMBOL]?.targetQty === '-0.02',
    );
    expect(E.isRight(await execution.tick(T0 + 1500))).toBe(true);
    expect((await streamOf(stream)).slice(before).map((e) => e.type)).toEqual([]);

    const trade = await run('tradeAll', ['--account', 'acc-1', '--reason', 'spec go', '--store', uri], {
      now: () => T0 + 1600,
    });
    expect(trade.code).toBe(0);
    await eventually('resumed', async () => (await reasons('ParentOrderResumed')).includes('sessionStopped'));
    await eventually('the held target taken up', async () =>
      (await streamOf(stream)).some((e) => e.type === 'ParentOrderSuperseded'),
    );
    expect(execution.aggregate('acc-1', SYMBOL)?.state.paused).toEqual([]);
  }, 60_000);
});
