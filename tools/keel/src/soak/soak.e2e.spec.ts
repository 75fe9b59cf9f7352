/**
 * `keel soak`, reduced for CI: a session day in 90 s of wall time (the full run, a week with
 * ≥ 1,000 kills, is recorded in docs/benchmarks.md). Everything real: the CLI bundle, its own
 * nats-server (restarted), the embedded store (locked), the relay, the gateway and execution
 * as processes (SIGKILLed again and again, their system clocks stepped by libfaketime), the
 * simulated venue on recorded bars, misbehaving like a real one.
 *
 * The soak judges its own invariants (soak.invariants.ts, each shown to fail in its unit spec);
 * this spec checks that it passed, and that the chaos it claims really happened.
 */
import { spawn } from 'node:child_process';
import { TempDir, tempDir } from '@keel/testing';
import { workspaceRoot } from '../workspace-root';
import { findFaketime } from './soak.chaos';

interface SoakResult {
  readonly pass: boolean;
  readonly chaos: {
    readonly kills: number;
    readonly killsBeforeReady: number;
    readonly killsByApp: Readonly<Record<string, number>>;
    readonly natsRestarts: number;
    readonly storeOutages: number;
    readonly clockSteps: number | string;
  };
  readonly totals: { readonly childOrders: number; readonly venueFills: number };
  readonly invariants: readonly { readonly name: string; readonly pass: boolean; readonly detail: string }[];
}

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir('keel-soak');
});
afterAll(async () => {
  await dir.cleanup();
});

it('holds every invariant through a session day of kills, NATS restarts, store outages and clock steps', async () => {
  const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['KEEL_NATS_URL'];
    delete env['NATS_URL'];
    const child = spawn(
      process.execPath,
      ['scripts/keel.cjs', 'soak', '--json', '--days', '1', '--minutes', '1.5', '--data', dir.path],
      { cwd: workspaceRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.once('exit', (code) => resolve({ code, out, err }));
  });
  let result: SoakResult;
  try {
    result = JSON.parse(r.out) as SoakResult;
  } catch {
    throw new Error(`no JSON result on stdout (exit ${r.code})\nstderr:\n${r.err.slice(-4000)}`);
  }
  const failed = result.invariants.filter((i) => !i.pass);
  if (failed.length > 0 || r.code !== 0)
    throw new Error(
      `exit ${r.code}; failed:\n${failed.map((i) => `  ${i.name}: ${i.detail}`).join('\n')}\nstderr:\n${r.err.slice(-3000)}`,
    );
  expect(result.pass).toBe(true);
  // The chaos happened: every app killed, some during start-up; NATS, the store and the clocks too.
  // About 60 on a quiet machine; CI's load slows the restarts.
  expect(result.chaos.kills).toBeGreaterThanOrEqual(20);
  expect(result.chaos.killsBeforeReady).toBeGreaterThan(0);
  for (const app of ['relay', 'gateway', 'execution'])
    expect(result.chaos.killsByApp[app]).toBeGreaterThan(0);
  expect(result.chaos.natsRestarts).toBeGreaterThan(0);
  expect(result.chaos.storeOutages).toBeGreaterThan(0);
  // scripts/ensure-deps.sh installs libfaketime for the tests (KEEL_NEEDS_FAKETIME=yes).
  if (findFaketime() === null) throw new Error('libfaketime is missing: apt-get install faketime');
  expect(result.chaos.clockSteps).toBeGreaterThan(0);
  // And it traded through it.
  expect(result.totals.childOrders).toBeGreaterThan(0);
  expect(result.totals.venueFills).toBeGreaterThan(0);
}, 600_000);
