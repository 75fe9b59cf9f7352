import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const WORKSPACE = path.resolve(__dirname, '../../../../..');
const FIXTURE = path.join(__dirname, '..', '..', 'testing', 'shutdown-app.fixture.ts');

interface Run {
  readonly child: ChildProcess;
  readonly lines: string[];
  waitForLine(line: string): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The fixture as a child of this process; with `ipc`, started the way a supervisor starts an app. */
const run = (...args: string[]): Run =>
  watch(
    spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args.filter((a) => a !== 'ipc')], {
      cwd: WORKSPACE,
      // A supervisor says the channel is its (KEEL_SUPERVISED), as tools/keel's supervisor does.
      env: args.includes('ipc') ? { ...process.env, KEEL_SUPERVISED: '1' } : process.env,
      stdio: ['ignore', 'pipe', 'pipe', ...(args.includes('ipc') ? (['ipc'] as const) : [])],
    }),
  );

// Fixtures a failed test left running would hold Jest open: SIGKILL them at the end.
const leftovers = new Set<number>();
afterAll(() => {
  for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

const watch = (child: ChildProcess): Run => {
  if (child.pid !== undefined) leftovers.add(child.pid);
  const lines: string[] = [];
  const waiters: { line: string; resolve: () => void }[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const l of parts) {
      lines.push(l);
      for (const w of waiters.filter((x) => x.line === l)) w.resolve();
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    exit,
    waitForLine: (line) =>
      lines.includes(line)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ line, resolve });
            void exit.then(() =>
              reject(new Error(`exited before "${line}"; stdout: ${lines.join(' | ')}; stderr: ${stderr}`)),
            );
          }),
  };
};

describe('shutdown in a real process', () => {
  it('runs stop steps in reverse registration order on SIGTERM, then exits 0', async () => {
    const app = run();
    await app.waitForLine('ready');
    app.child.kill('SIGTERM');
    expect(await app.exit).toEqual({ code: 0, signal: null });
    expect(app.lines).toEqual([
      'ready',
      'stopping http',
      'stopped http',
      'stopping bus',
      'stopped bus',
      'stopping store',
      'stopped store',
      'done SIGTERM clean=true',
    ]);
  });

  it('exits at once with 128+signal on a second signal', async () => {
    const app = run('hang');
    await app.waitForLine('ready');
    app.child.kill('SIGINT');
    await app.waitForLine('stopping http (forever)');
    app.child.kill('SIGINT');
    expect(await app.exit).toEqual({ code: 130, signal: null });
    expect(app.lines).not.toContain('stopping bus');
  });
});

describe('an app started with a supervisor channel', () => {
  it('stops cleanly (exit 0) when the supervisor lets go of the channel', async () => {
    const app = run('ipc');
    await app.waitForLine('ready');
    app.child.disconnect();
    expect(await app.exit).toEqual({ code: 0, signal: null });
    expect(app.lines.at(-1)).toBe('done supervisor gone clean=true');
  });

  it('stops cleanly when the supervisor is SIGKILLed', async () => {
    // A middle process plays the supervisor: it starts the fixture (own process group, IPC
    // channel, stdout passed through to us), reports its pid, and is then SIGKILLed.
    const supervisor = `
      const { spawn } = require('node:child_process');
      const app = spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(FIXTURE)}], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true,
        env: { ...process.env, KEEL_SUPERVISED: '1' },
      });
      process.stdout.write('app ' + app.pid + '\\n');
      setInterval(() => undefined, 1000);`;
    const middle = watch(
      spawn(process.execPath, ['-e', supervisor], { cwd: WORKSPACE, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    await middle.waitForLine('ready');
    const pid = Number(middle.lines.find((l) => l.startsWith('app '))?.slice(4));
    leftovers.add(pid);
    middle.child.kill('SIGKILL');
    await middle.exit;
    const deadline = Date.now() + 20_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
    // The fixture's stdout still reaches us through the pipe the middle process passed on.
    await new Promise((r) => setTimeout(r, 200));
    expect(middle.lines).toContain('done supervisor gone clean=true');
  });

  it('keeps running when it has no channel (started by hand) until it is signalled', async () => {
    const app = run();
    await app.waitForLine('ready');
    await new Promise((r) => setTimeout(r, 300));
    expect(app.child.exitCode).toBeNull();
    app.child.kill('SIGTERM');
    expect(await app.exit).toEqual({ code: 0, signal: null });
  });
});

/** Is the process running (a zombie counts as gone)? */
const alive = (pid: number): boolean => {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
