/**
 * `keel calendar contracts|holidays|state` as a process: with --json stdout is exactly one
 * JSON document; bad input exits 2 with a message on stderr naming the flag and the value.
 * Expected dates: see libs/calendar's specs for their sources.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../../..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
const keel = (...args: string[]): Promise<Run> =>
  new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'tools/keel/src/main.ts', 'calendar', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });

// Every process is started up front, four at a time (each spends seconds loading the CLI),
// and the tests read the results.
const SUCCESS = {
  contractsGc: ['contracts', '--root', 'GC', '--from', '2025-11', '--to', '2026-02', '--json'],
  contractsMes: ['contracts', '--root', 'MES', '--from', '2025-03', '--to', '2025-03', '--json'],
  holidaysCl: ['holidays', '--root', 'CL', '--year', '2025', '--json'],
  stateEs: ['state', '--root', 'ES', '--at', '2025-03-09T22:00:00Z', '--json'],
} as const;
const BAD: readonly (readonly [readonly string[], string, string])[] = [
  [['contracts', '--root', 'XYZ', '--from', '2025-01', '--to', '2025-06'], '--root', '"XYZ"'],
  [['contracts', '--root', 'ES', '--from', '2025-1', '--to', '2025-06'], '--from', '"2025-1"'],
  [['contracts', '--root', 'ES', '--from', '2025-01', '--to', 'June'], '--to', '"June"'],
  [['contracts', '--root', 'ES', '--from', '2025-09', '--to', '2025-06'], '--from', '"2025-09"'],
  [['holidays', '--root', 'ES', '--year', '20x5'], '--year', '"20x5"'],
  [['holidays', '--root', 'ES', '--year', '2031'], '--year', '"2031"'],
  [['state', '--root', 'ES', '--at', '2025-02-30T10:00:00Z'], '--at', '"2025-02-30T10:00:00Z"'],
  [['state', '--root', 'ES', '--at', '2025-03-09 22:00'], '--at', '"2025-03-09 22:00"'],
  [['state', '--root', 'QQ', '--at', '2025-03-09T22:00:00Z'], '--root', '"QQ"'],
];
const results = new Map<string, Run>();
const result = (args: readonly string[]): Run => {
  const r = results.get(JSON.stringify(args));
  if (!r) throw new Error(`not run: ${args.join(' ')}`);
  return r;
};

beforeAll(async () => {
  const queue = [...Object.values(SUCCESS), ...BAD.map(([args]) => [...args, '--json'])];
  const worker = async (): Promise<void> => {
    for (let args = queue.shift(); args; args = queue.shift())
      results.set(JSON.stringify(args), await keel(...args));
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}, 120_000);

describe('keel calendar', () => {
  it('contracts --json: the contracts in the range with their dates', () => {
    const r = result(SUCCESS.contractsGc);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        code: 'GCZ5',
        root: 'GC',
        month: '2025-12',
        lastTradeDate: '2025-12-29',
        firstNoticeDate: '2025-11-28',
        rollStartDate: '2025-11-20',
        forcedRollDate: '2025-11-25',
        settlement: 'physical',
      },
      {
        code: 'GCG6',
        root: 'GC',
        month: '2026-02',
        lastTradeDate: '2026-02-25',
        firstNoticeDate: '2026-01-30',
        rollStartDate: '2026-01-23',
        forcedRollDate: '2026-01-28',
        settlement: 'physical',
      },
    ]);
  });

  it('contracts --json: cash-settled contracts have a null first notice date', () => {
    const r = result(SUCCESS.contractsMes);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        code: 'MESH5',
        root: 'MES',
        month: '2025-03',
        lastTradeDate: '2025-03-21',
        firstNoticeDate: null,
        rollStartDate: '2025-03-11',
        forcedRollDate: '2025-03-19',
        settlement: 'cash',
      },
    ]);
  });

  it('holidays --json: closed days and early closes in Chicago time', () => {
    const r = result(SUCCESS.holidaysCl);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as unknown[];
    expect(list).toContainEqual({ date: '2025-12-25', kind: 'closed' });
    expect(list).toContainEqual({ date: '2025-11-28', kind: 'earlyClose', closeTime: '12:45' });
    expect(list).toContainEqual({ date: '2025-01-20', kind: 'earlyClose', closeTime: '13:30' });
  });

  it('state --json: the state with the next open and close', () => {
    const r = result(SUCCESS.stateEs);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      state: 'open',
      nextOpen: '2025-03-10T17:00:00.000-05:00',
      nextClose: '2025-03-10T16:00:00.000-05:00',
    });
  });

  it.each(BAD)('%j fails with exit 2 naming %s and the value', (args, flag, value) => {
    const r = result([...args, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(flag);
    expect(r.stderr).toContain(value);
  });
});
