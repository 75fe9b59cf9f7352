/**
 * Run one exported async function of a TypeScript module in a child Node process and take its
 * JSON-serialisable result back.
 *
 * For the specs that drive the engines through weeks of simulated time: under Jest the same
 * code runs 2–2.5× slower than in a plain process (every promise passes Jest's async hooks and
 * every global look-up the vm sandbox), which on the roll simulations is minutes of CI. The
 * child is `node --import tsx` (what the apps' own process specs run), so the code under test
 * is the same source, not a build of it; the result travels through a temp file (JSON), and
 * a failure in the child fails the spec with the child's stderr.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { workspaceRoot } from '../workspace-root';

const ENTRY = path.join(__dirname, 'in-child.entry.ts');

/** `await (await import(modulePath))[exportName](...args)`, in a child process; its result as JSON. */
export const runInChild = async <T>(
  modulePath: string,
  exportName: string,
  args: readonly unknown[] = [],
): Promise<T> => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keel-in-child-'));
  const out = path.join(dir, 'result.json');
  try {
    const stderr: Buffer[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', ENTRY, modulePath, exportName, JSON.stringify(args), out],
        { cwd: workspaceRoot(), stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr.on('data', (b: Buffer) => stderr.push(b));
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0)
      throw new Error(
        `${path.basename(modulePath)} ${exportName} exited ${code} in its child process:\n${Buffer.concat(stderr).toString()}`,
      );
    return JSON.parse(await readFile(out, 'utf8')) as T;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
