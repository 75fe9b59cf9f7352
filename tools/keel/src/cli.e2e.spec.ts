/**
 * The `keel` CLI as people run it: the launcher (scripts/keel.cjs) and the bundle it builds
 * (dist/keel/keel.cjs), as child processes. Every command's `--help` exits 0 and lists the
 * options it declares; an unknown flag or command exits 2 naming it; a stale bundle is rebuilt
 * before it runs; apps run from the bundle (`keel app <name>`) and find their data files.
 */
import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, startNatsServer, tempDir } from '@keel/testing';
import { COMMANDS } from './commands';
import { PROJECTIONS } from './replay/projections';
import { type Command, isLazy } from './commands/command';
import { workspaceRoot } from './workspace-root';

const root = workspaceRoot();
const launcher = path.join(root, 'scripts/keel.cjs');
const bundle = path.join(root, 'dist/keel/keel.cjs');

const keel = (...args: string[]): SpawnSyncReturns<string> =>
  spawnSync(process.execPath, [launcher, ...args], {
    cwd: root,
    encoding: 'utf8',
    // The app harness sets these; a bare run must not depend on them.
    env: { ...process.env, KEEL_QUIET_BUILD: '1' },
    timeout: 60_000,
  });

const names = Object.keys(COMMANDS);
const loaded = new Map<string, Command>();

beforeAll(async () => {
  // Build (or rebuild) once before the parallel calls below, then load each command's declaration.
  const first = keel('--help');
  expect(first.status).toBe(0);
  for (const [name, entry] of Object.entries(COMMANDS))
    loaded.set(name, isLazy(entry) ? await entry.load() : entry);
}, 120_000);

describe('keel --help', () => {
  it('lists every command but the hidden ones, and exits 0', () => {
    const r = keel('--help');
    expect(r.status).toBe(0);
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const listed = new RegExp(`^  ${name.replace(/[-]/g, '\\-')}\\s`, 'm').test(r.stdout);
      expect([name, listed]).toEqual([name, !(isLazy(entry) && entry.hidden === true)]);
    }
  });

  it('with no command prints the usage on stderr and exits 2', () => {
    const r = keel();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Usage: keel <command>/);
  });

  it('lists a group: keel bench --help exits 0, keel bench exits 2', () => {
    const help = keel('bench', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^ {2}store\s/m);
    expect(help.stdout).toMatch(/^ {2}replay\s/m);
    expect(keel('bench').status).toBe(2);
  });
});

describe.each(names)('keel %s', (name) => {
  it('--help and -h print its usage and every option it declares, and exit 0', () => {
    const command = loaded.get(name)!;
    for (const flag of ['--help', '-h']) {
      const r = keel(...name.split(' '), flag);
      expect({ flag, status: r.status, stderr: r.stderr }).toEqual({ flag, status: 0, stderr: '' });
      expect(r.stdout).toContain(`Usage: keel ${name} [options]`);
      expect(r.stdout).toContain('--json');
      for (const [option, spec] of Object.entries(command.options ?? {})) {
        expect(r.stdout).toContain(`--${option}`);
        // commander wraps long lines: compare with the whitespace squeezed.
        const text = r.stdout.replace(/\s+/g, ' ');
        if (spec.description) expect(text).toContain(spec.description.replace(/\s+/g, ' '));
        if (spec.defaultText) expect(text).toContain(`(default: ${spec.defaultText.replace(/\s+/g, ' ')})`);
      }
    }
  });

  it('refuses an unknown flag with exit 2, naming it', () => {
    const r = keel(...name.split(' '), '--no-such-flag', 'x');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--no-such-flag');
    expect(r.stdout).toBe('');
  });
});

describe('the command table', () => {
  it('has one `replay <projection>` command per projection', () => {
    const replays = names.filter(
      (n) => n.startsWith('replay ') && n !== 'replay pnl' && n !== 'replay archive',
    );
    expect(replays.sort()).toEqual(
      Object.keys(PROJECTIONS)
        .map((p) => `replay ${p}`)
        .sort(),
    );
  });
});

describe('unknown commands', () => {
  it.each([
    [['frobnicate'], '"frobnicate"'],
    [['bench', 'nope'], '"bench nope"'],
  ])('%j exits 2 naming it, with the usage', (args, named) => {
    const r = keel(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`unknown command ${named}`);
    expect(r.stderr).toContain('Usage: keel');
  });

  it('a bad value exits 2 naming the flag and the value', () => {
    const r = keel('calendar', 'state', '--root', 'GC', '--at', 'yesterday');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--at: .* \(got "yesterday"\)/);
  });

  it('keeps --json output to one JSON document on stdout', () => {
    const r = keel('calendar', 'contracts', '--root', 'ES', '--from', '2025-01', '--to', '2025-06', '--json');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(2);
  });
});

describe('the launcher', () => {
  it('rebuilds a bundle older than the sources before running it, and not a fresh one', () => {
    const old = new Date('2001-01-01T00:00:00Z');
    fs.utimesSync(bundle, old, old);
    const stale = spawnSync(process.execPath, [launcher, '--help'], { cwd: root, encoding: 'utf8' });
    expect(stale.status).toBe(0);
    expect(stale.stderr).toMatch(/\[keel\] rebuilt the CLI bundle in \d+ ms \(.+ changed\)/);
    expect(fs.statSync(bundle).mtimeMs).toBeGreaterThan(old.getTime());
    const fresh = spawnSync(process.execPath, [launcher, '--help'], { cwd: root, encoding: 'utf8' });
    expect(fresh.status).toBe(0);
    expect(fresh.stderr).toBe('');
  });
});

describe('keel app <name> from the bundle', () => {
  const ready = async (port: number, child: ReturnType<typeof spawn>, log: () => string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}:\n${log()}`);
      const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`not ready in 60 s:\n${log()}`);
  };

  it.each(['relay', 'gateway'])(
    'runs %s ready against a real nats-server and the embedded store',
    async (app) => {
      const nats = await startNatsServer();
      const dir = await tempDir('keel-cli-app');
      const port = await freePort();
      let out = '';
      const child = spawn(process.execPath, [bundle, 'app', app], {
        cwd: dir.path, // not the repository: paths must not depend on the working directory
        env: {
          ...process.env,
          KEEL_NATS_URL: nats.url,
          KEEL_STORE_URI: `sqlite:${path.join(dir.path, 'keel.sqlite')}`,
          KEEL_HTTP_PORT: String(port),
          KEEL_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await ready(port, child, () => out);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
        await nats.dispose();
        await dir.cleanup();
      }
    },
    90_000,
  );

  it('refuses an unknown app, naming it and the known ones', () => {
    const r = keel('app', 'nope');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/<name> must be one of .*relay.* \(got "nope"\)/);
  });
});
