import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

const WORKSPACE = path.resolve(__dirname, '../../../../..');
const FIXTURE = path.join(__dirname, '..', '..', 'testing', 'shutdown-app.fixture.ts');

interface Run {
  readonly child: ChildProcess;
  readonly lines: string[];
  waitForLine(line: string): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const run = (...args: string[]): Run => {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], {
    cwd: WORKSPACE,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
