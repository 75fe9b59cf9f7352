/**
 * `keel kill-switch on|off` (= `keel kill engage|release`) on a real embedded SQLite store:
 * each run appends exactly one event to control-global or control-<account>, with the payload
 * (operator included), producer and metadata the consumers (execution, optimizer, gateway)
 * fold; a repeated command at the same instant is the same event; bad input names the flag and
 * the value and appends nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { RecordedEvent } from '@keel/events';
import { openSqliteEventStore, TestableEventStore } from '@keel/event-store';
import { TempDir, tempDir } from '@keel/testing';
import { HelpRequested, Io, UsageError } from '../cli.io';
import { killCommands, KillDeps, KillRecorded } from './kill.command';

let dir: TempDir;
beforeAll(async () => (dir = await tempDir('keel-kill-cli')));
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
  verb: 'engage' | 'release' | 'on' | 'off',
  args: readonly string[],
  deps: KillDeps = {},
): Promise<{ code: number; result: KillRecorded; io: ReturnType<typeof capture> }> => {
  const io = capture();
  const code = await killCommands({ env: {}, osUser: () => 'ops-spec', ...deps })[verb].run(args, io);
  return { code, result: io.results[0] as KillRecorded, io };
};

const open = (file: string): TestableEventStore => {
  const s = openSqliteEventStore({ path: file });
  if (E.isLeft(s)) throw new Error(JSON.stringify(s.left));
  return s.right;
};

/** Every event of the store, in global order. */
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

const nth = (events: readonly RecordedEvent[], i: number): RecordedEvent => {
  const e = events[i];
  if (e === undefined) throw new Error(`no event #${i} (of ${events.length})`);
  return e;
};

describe('keel kill: what it records', () => {
  let file: string;
  let uri: string;
  beforeAll(() => {
    file = path.join(dir.path, 'session.sqlite');
    uri = `sqlite:${file}`;
  });

  it('engage without --account: KillSwitchEngaged, scope global, in control-global', async () => {
    const { code, result, io } = await run('engage', ['--reason', 'venue outage', '--store', uri], {
      now: () => T0,
    });
    expect(code).toBe(0);
    const events = await allEvents(file);
    expect(events).toHaveLength(1);
    const e = nth(events, 0);
    expect(e).toMatchObject({
      type: 'KillSwitchEngaged',
      stream: 'control-global',
      data: { scope: 'global', accountId: null, reason: 'venue outage', operator: 'ops-spec' },
      producer: 'cli',
      correlationId: `cli-kill-${T0}`,
      causationId: null,
      occurredAt: '2026-03-02T10:00:00.000Z',
      schemaVersion: 1,
    });
    expect(result).toEqual({
      type: 'KillSwitchEngaged',
      eventId: e.eventId,
      stream: 'control-global',
      globalPosition: e.globalPosition,
      streamRevision: 0,
      scope: 'global',
      accountId: null,
      reason: 'venue outage',
      operator: 'ops-spec',
      occurredAt: '2026-03-02T10:00:00.000Z',
      store: uri,
      storeCreated: true,
    });
    // A store file that did not exist is said to be new: no running session reads it.
    expect(io.progressed.join('\n')).toMatch(/did not exist and was created/);
  });

  it('the same command at the same instant is the same event (appended once)', async () => {
    const { code, result } = await run('engage', ['--reason', 'venue outage', '--store', uri], {
      now: () => T0,
    });
    expect(code).toBe(0);
    const events = await allEvents(file);
    expect(events).toHaveLength(1);
    expect(result.eventId).toBe(nth(events, 0).eventId);
    expect(result.storeCreated).toBe(false);
  });

  it('engage --account: scope account, in control-<account>', async () => {
    const { code, result, io } = await run(
      'engage',
      ['--account', 'binance-main', '--reason', 'drawdown review', '--store', uri],
      { now: () => T0 + 1000 },
    );
    expect(code).toBe(0);
    expect(io.progressed).toEqual([]);
    const events = await allEvents(file);
    expect(events).toHaveLength(2);
    const e = nth(events, 1);
    expect(e).toMatchObject({
      type: 'KillSwitchEngaged',
      stream: 'control-binance-main',
      data: { scope: 'account', accountId: 'binance-main', reason: 'drawdown review', operator: 'ops-spec' },
      producer: 'cli',
      correlationId: `cli-kill-${T0 + 1000}`,
      causationId: null,
    });
    expect(result).toMatchObject({
      eventId: e.eventId,
      stream: 'control-binance-main',
      globalPosition: e.globalPosition,
      streamRevision: 0,
    });
    expect(e.eventId).not.toBe(nth(events, 0).eventId);
  });

  it('release: KillSwitchReleased in the same stream as the engage it lifts', async () => {
    const { code, result } = await run('release', ['--reason', 'venue back', '--store', uri], {
      now: () => T0 + 2000,
    });
    expect(code).toBe(0);
    const events = await allEvents(file);
    expect(events).toHaveLength(3);
    const e = nth(events, 2);
    expect(e).toMatchObject({
      type: 'KillSwitchReleased',
      stream: 'control-global',
      data: { scope: 'global', accountId: null, reason: 'venue back', operator: 'ops-spec' },
      producer: 'cli',
      occurredAt: '2026-03-02T10:00:02.000Z',
    });
    expect(result).toMatchObject({ type: 'KillSwitchReleased', eventId: e.eventId, streamRevision: 1 });
    expect(result.globalPosition).toBe(e.globalPosition);
  });

  it('release --account', async () => {
    const { code } = await run(
      'release',
      ['--account', 'binance-main', '--reason', 'reviewed', '--store', uri, '--json'],
      { now: () => T0 + 3000 },
    );
    expect(code).toBe(0);
    const events = await allEvents(file);
    expect(events.map((e) => [e.type, e.stream])).toEqual([
      ['KillSwitchEngaged', 'control-global'],
      ['KillSwitchEngaged', 'control-binance-main'],
      ['KillSwitchReleased', 'control-global'],
      ['KillSwitchReleased', 'control-binance-main'],
    ]);
    expect(nth(events, 3).data).toEqual({
      scope: 'account',
      accountId: 'binance-main',
      reason: 'reviewed',
      operator: 'ops-spec',
    });
  });

  it('kill-switch on|off is the same command: --operator, else USER, names the operator', async () => {
    const on = await run(
      'on',
      ['--account', 'okx-1', '--reason', 'review', '--operator', 'alice', '--store', uri],
      {
        now: () => T0 + 4000,
        env: { USER: 'bob' },
      },
    );
    expect(on.code).toBe(0);
    const off = await run('off', ['--account', 'okx-1', '--reason', 'reviewed', '--store', uri], {
      now: () => T0 + 5000,
      env: { USER: 'bob' },
    });
    expect(off.code).toBe(0);
    const events = await allEvents(file);
    expect(events.slice(-2).map((e) => [e.type, e.stream, e.data])).toEqual([
      [
        'KillSwitchEngaged',
        'control-okx-1',
        { scope: 'account', accountId: 'okx-1', reason: 'review', operator: 'alice' },
      ],
      [
        'KillSwitchReleased',
        'control-okx-1',
        { scope: 'account', accountId: 'okx-1', reason: 'reviewed', operator: 'bob' },
      ],
    ]);
    expect(on.result.operator).toBe('alice');
    expect(off.result.operator).toBe('bob');
  });

  it('without --store, uses KEEL_STORE_URI', async () => {
    const other = path.join(dir.path, 'from-env.sqlite');
    const { code, result } = await run('engage', ['--reason', 'from env'], {
      env: { KEEL_STORE_URI: `sqlite:${other}` },
      now: () => T0,
    });
    expect(code).toBe(0);
    expect(result.store).toBe(`sqlite:${other}`);
    expect((await allEvents(other)).map((e) => e.type)).toEqual(['KillSwitchEngaged']);
  });
});

describe('keel kill: bad input appends nothing and names the flag', () => {
  let file: string;
  let uri: string;
  beforeAll(async () => {
    file = path.join(dir.path, 'untouched.sqlite');
    uri = `sqlite:${file}`;
    // One event already there, so "nothing appended" is a count that stays at 1.
    expect((await run('engage', ['--reason', 'seed', '--store', uri])).code).toBe(0);
  });

  it.each<readonly [string, 'engage' | 'release', readonly string[], RegExp]>([
    ['no --reason', 'engage', [], /--reason is required .*\(got null\)/],
    ['an empty --reason', 'engage', ['--reason', ''], /--reason is required .*\(got ""\)/],
    ['a blank --reason', 'release', ['--reason', '   '], /--reason is required .*\(got " {3}"\)/],
    [
      'an --account with a space',
      'engage',
      ['--account', 'my account', '--reason', 'x'],
      /--account must match .*\(got "my account"\)/,
    ],
    ['an empty --account', 'engage', ['--account', '', '--reason', 'x'], /--account must match .*\(got ""\)/],
    [
      'an --account longer than an account id may be',
      'engage',
      ['--account', 'a'.repeat(65), '--reason', 'x'],
      new RegExp(`--account .*\\(got "${'a'.repeat(65)}"\\)`),
    ],
    [
      '--account global',
      'release',
      ['--account', 'global', '--reason', 'x'],
      /--account global would share control-global .*omit --account/,
    ],
    ['an unknown flag', 'engage', ['--reason', 'x', '--acount', 'a'], /--acount/],
    [
      'a blank --operator',
      'engage',
      ['--reason', 'x', '--operator', ' '],
      /--operator must be 1 to 128 .*\(got " "/,
    ],
    [
      'an --operator longer than 128 characters',
      'engage',
      ['--reason', 'x', '--operator', 'o'.repeat(129)],
      /--operator must be 1 to 128 /,
    ],
  ])('rejects %s', async (_what, verb, args, message) => {
    const io = capture();
    await expect(killCommands({ env: {} })[verb].run([...args, '--store', uri], io)).rejects.toThrow(
      UsageError,
    );
    await expect(killCommands({ env: {} })[verb].run([...args, '--store', uri], io)).rejects.toThrow(message);
    expect(io.results).toEqual([]);
    expect(await allEvents(file)).toHaveLength(1);
  });

  it.each<readonly [string, readonly string[], Readonly<Record<string, string>>, RegExp]>([
    [
      'an unknown store scheme',
      ['--store', 'foo://x'],
      {},
      /^--store has an unknown event store scheme "foo:".*\(got "foo:\/\/x"\)$/,
    ],
    ['an empty --store', ['--store', ''], {}, /^--store is empty.*\(got ""\)$/],
    ['memory:', ['--store', 'memory:'], {}, /^--store cannot be the memory: store.*\(got "memory:"\)$/],
    [
      'a bad KEEL_STORE_URI',
      [],
      { KEEL_STORE_URI: 'nats://127.0.0.1:4222' },
      /^--store \(from KEEL_STORE_URI\) has an unknown event store scheme "nats:".*\(got "nats:\/\/127.0.0.1:4222"\)$/,
    ],
  ])('rejects %s', async (_what, args, env, message) => {
    const io = capture();
    await expect(killCommands({ env }).engage.run(['--reason', 'x', ...args], io)).rejects.toThrow(message);
    expect(io.results).toEqual([]);
  });

  it('a bad --account opens no store: no file is created', async () => {
    const never = path.join(dir.path, 'never.sqlite');
    await expect(
      killCommands({ env: {} }).engage.run(
        ['--account', 'a b', '--reason', 'x', '--store', `sqlite:${never}`],
        capture(),
      ),
    ).rejects.toThrow(/--account/);
    expect(fs.existsSync(never)).toBe(false);
  });

  it("--help is the CLI's (the help names relay polling, execution, optimizer) and appends nothing", async () => {
    const io = capture();
    const engage = killCommands({ env: {} }).engage;
    await expect(engage.run(['--help'], io)).rejects.toBeInstanceOf(HelpRequested);
    expect(engage.description).toMatch(/relay picks the event up/);
    expect(engage.description).toMatch(/docs\/optimizer\.md/);
    expect(Object.keys(engage.options ?? {})).toEqual(['reason', 'account', 'operator', 'store']);
    expect(io.results).toEqual([]);
  });
});
