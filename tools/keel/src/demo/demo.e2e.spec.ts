/**
 * The main job end to end: `keel demo` as `npm start` runs it (the launcher and the bundle,
 * every app its own process, its own nats-server, a fresh store, the simulated venues on the
 * recorded data, the example model over HTTP), shortened to one minute at 600× — still a
 * crypto session on two venues and the CME roll across the daily break (cme.plan needs 556×
 * for one minute). Then the same with `--chaos`: apps, gateways and the relay SIGKILLed at
 * random and restarted, every invariant still holding.
 *
 * The summary is read from stdout (`--json`): the spec checks that the session traded on every
 * account and that each invariant held, and that the report was written.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TempDir, tempDir } from '@keel/testing';
import { workspaceRoot } from '../workspace-root';

interface Summary {
  readonly pass: boolean;
  readonly report: string;
  readonly totals: { readonly predictions: number; readonly targets: number; readonly fills: number };
  readonly accounts: readonly { readonly account: string }[];
  readonly invariants: readonly { readonly name: string; readonly pass: boolean; readonly detail: string }[];
  readonly chaos: readonly { readonly app: string; readonly action: string }[];
}

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir('keel-demo');
});
afterAll(async () => {
  await dir.cleanup();
});

const runDemo = (
  args: readonly string[],
): Promise<{ readonly code: number | null; readonly out: string; readonly err: string }> =>
  new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['KEEL_NATS_URL'];
    delete env['NATS_URL'];
    const child = spawn(process.execPath, ['scripts/keel.cjs', 'demo', '--json', ...args], {
      cwd: workspaceRoot(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.once('exit', (code) => resolve({ code, out, err }));
  });

const expectHeld = (r: { code: number | null; out: string; err: string }): Summary => {
  let summary: Summary;
  try {
    summary = JSON.parse(r.out) as Summary;
  } catch {
    throw new Error(
      `no JSON summary on stdout (exit ${r.code})\nstdout:\n${r.out}\nstderr:\n${r.err.slice(-4000)}`,
    );
  }
  const failed = summary.invariants.filter((i) => !i.pass);
  // A failed invariant comes with the session's own account of what happened (its kills, its
  // apps' states, its wind-down): CI keeps nothing else of the session.
  if (failed.length > 0)
    throw new Error(
      `invariants failed:\n${JSON.stringify(failed, null, 2)}\nstderr (tail):\n${r.err.slice(-8000)}`,
    );
  expect(r.code).toBe(0);
  expect(summary.pass).toBe(true);
  expect(summary.totals.fills).toBeGreaterThan(0);
  expect(summary.accounts.map((a) => a.account).sort()).toEqual(['paper-binance', 'paper-cme', 'paper-okx']);
  expect(fs.existsSync(summary.report)).toBe(true);
  expect(fs.readFileSync(summary.report, 'utf8')).toContain('keel-demo-record');
  return summary;
};

describe('keel demo (npm start)', () => {
  it('trades crypto on two venues and CME across the close and the roll, and every invariant holds', async () => {
    const data = path.join(dir.path, 'plain');
    const r = await runDemo(['--minutes', '1', '--speed', '600', '--data', data]);
    const summary = expectHeld(r);
    expect(summary.invariants.map((i) => i.name)).toEqual(
      expect.arrayContaining([
        'every target reached or withheld with a reason',
        'no client order id reached a venue twice',
        'every venue fill recorded exactly once',
        'backfilled PnL (keel replay pnl) equals the live PnlUpdated',
        'no position in a physically settled contract past its cutoff',
        'position = Σ fills per account and instrument',
        'every app ran without a crash and stopped cleanly',
        'CME: no order in the daily break, the front rolled into the next contract',
      ]),
    );
    // Every app said it stopped cleanly.
    expect(r.err).toMatch(/^gateway-cme stopped cleanly \(exit 0\)$/m);
    expect(r.err).not.toMatch(/uncleanly|crashed/);
  }, 300_000);

  it('--chaos: apps, gateways and the relay SIGKILLed and restarted, every invariant still holds', async () => {
    const data = path.join(dir.path, 'chaos');
    const r = await runDemo(['--minutes', '1', '--speed', '600', '--chaos', '--seed', '17', '--data', data]);
    const summary = expectHeld(r);
    expect(summary.chaos.filter((c) => c.action === 'killed').length).toBeGreaterThan(0);
  }, 300_000);
});
