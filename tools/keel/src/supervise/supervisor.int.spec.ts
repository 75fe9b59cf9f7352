/**
 * The supervisor against real child processes: a tiny fake app (a Node one-liner) that serves
 * /readyz and stops like a Keel app does (SIGTERM or its supervisor's channel closing → exit 0).
 * Its subject is processes, so the fakes are processes too; the real apps are the e2e spec's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, TempDir, tempDir } from '@keel/testing';
import { AppState, createSupervisor, ManagedApp, stateLine, Supervisor } from './supervisor';

/**
 * The fake app. FAKE_MODE: `ok` (ready, exit 0 on SIGTERM), `crash` (exit 1 on its own after
 * 300 ms), `never-ready` (/readyz 503), `stubborn` (ignores SIGTERM). It logs each signal.
 */
const FAKE_APP = `
const http = require('node:http');
const mode = process.env.FAKE_MODE;
const server = http.createServer((req, res) => {
  res.statusCode = req.url === '/readyz' && mode !== 'never-ready' ? 200 : 503;
  res.end();
});
server.listen(Number(process.env.FAKE_PORT), '127.0.0.1');
console.log('up', process.pid);
const stop = (why) => (console.log('stopping on', why), process.exit(0));
process.on('SIGTERM', () => (console.log('got SIGTERM'), mode === 'stubborn' || stop('SIGTERM')));
process.on('disconnect', () => stop('disconnect'));
process.channel?.unref();
if (mode === 'crash') setTimeout(() => process.exit(1), 300);
`;

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir('keel-supervisor');
});
afterAll(async () => {
  await dir.cleanup();
});

const fakeApp = async (name: string, mode = 'ok'): Promise<ManagedApp> => {
  const port = await freePort();
  return {
    name,
    command: process.execPath,
    args: ['-e', FAKE_APP],
    env: { PATH: process.env['PATH'] ?? '', FAKE_MODE: mode, FAKE_PORT: String(port) },
    healthUrl: `http://127.0.0.1:${port}`,
    logFile: path.join(dir.path, `${name}.log`),
  };
};

/** A supervisor whose state changes are recorded as the lines `keel start` prints. */
const supervise = (
  apps: readonly ManagedApp[],
  opts: { readyTimeoutMs?: number; stopGraceMs?: number } = {},
) => {
  const lines: string[] = [];
  const states: [string, AppState][] = [];
  const supervisor = createSupervisor({
    apps,
    readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
    stopGraceMs: opts.stopGraceMs ?? 10_000,
    watchIntervalMs: 200,
    onState: (app, state, detail) => {
      lines.push(stateLine(app, state, detail));
      states.push([app, state]);
    },
  });
  return { supervisor, lines, states };
};

/** Is the process running (a zombie counts as gone)? */
const alive = (pid: number): boolean => {
  try {
    return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

const pidOf = (s: Supervisor, name: string): number => {
  const pid = s.pids().get(name);
  if (pid === undefined) throw new Error(`${name} is not running`);
  return pid;
};

// Whatever a failing test left running is SIGKILLed, so Jest never waits on it.
const supervisors: Supervisor[] = [];
afterEach(() => {
  for (const s of supervisors.splice(0)) s.killAll();
});

describe('createSupervisor', () => {
  it('starts every app, reports each ready, and stops each cleanly with one SIGTERM', async () => {
    const apps = [await fakeApp('alpha'), await fakeApp('beta')];
    const { supervisor, lines } = supervise(apps);
    supervisors.push(supervisor);
    expect(await supervisor.startAll()).toEqual({ alpha: true, beta: true });
    const pids = [...supervisor.pids().values()];
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);

    const exits = await supervisor.stopAll();
    expect(Object.fromEntries(exits)).toEqual({
      alpha: { code: 0, signal: null, clean: true },
      beta: { code: 0, signal: null, clean: true },
    });
    expect(pids.some(alive)).toBe(false);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^alpha starting \(pid \d+\)$/),
        `alpha ready (${apps[0]?.healthUrl})`,
        'alpha stopping (SIGTERM)',
        'alpha stopped cleanly (exit 0)',
        'beta stopped cleanly (exit 0)',
      ]),
    );
    const log = fs.readFileSync(apps[0]?.logFile ?? '', 'utf8');
    expect(log.match(/got SIGTERM/g)).toHaveLength(1);
    expect(supervisor.unexpectedExits.size).toBe(0);
    await supervisor.whenAllExited();
  });

  it('kills one app (not a crash, not restarted), then restarts it', async () => {
    const apps = [await fakeApp('victim'), await fakeApp('bystander')];
    const { supervisor, lines } = supervise(apps);
    supervisors.push(supervisor);
    await supervisor.startAll();
    const first = pidOf(supervisor, 'victim');

    await supervisor.kill('victim');
    expect(alive(first)).toBe(false);
    expect(lines).toContain('victim killed (SIGKILL)');
    expect(supervisor.unexpectedExits.size).toBe(0);
    expect(supervisor.pids().has('victim')).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(supervisor.pids().has('victim')).toBe(false);
    await expect(supervisor.restart('bystander')).rejects.toThrow(/bystander is still running/);
    await expect(supervisor.kill('nobody')).rejects.toThrow(/no app named "nobody"/);

    expect(await supervisor.restart('victim')).toBe(true);
    const second = pidOf(supervisor, 'victim');
    expect(second).not.toBe(first);
    expect(alive(second)).toBe(true);

    const exits = await supervisor.stopAll();
    expect(exits.get('victim')).toEqual({ code: 0, signal: null, clean: true });
    expect(exits.get('bystander')).toEqual({ code: 0, signal: null, clean: true });
  });

  it('detects a crash: reported, recorded as unexpected, and start-up does not wait it out', async () => {
    const apps = [await fakeApp('steady'), await fakeApp('fragile', 'crash')];
    const { supervisor, lines } = supervise(apps, { readyTimeoutMs: 60_000 });
    supervisors.push(supervisor);
    const started = Date.now();
    await supervisor.startAll();
    await new Promise<void>((resolve) => {
      const check = setInterval(
        () => supervisor.unexpectedExits.has('fragile') && (clearInterval(check), resolve()),
        50,
      );
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(supervisor.unexpectedExits.get('fragile')).toEqual({ code: 1, signal: null, clean: false });
    expect(lines).toContain(`fragile crashed (exit 1); its log: ${apps[1]?.logFile}`);
    const exits = await supervisor.stopAll();
    expect(exits.get('steady')?.clean).toBe(true);
    expect(exits.get('fragile')).toEqual({ code: 1, signal: null, clean: false });
  });

  it('reports an app that is not ready in time, and SIGKILLs one that ignores SIGTERM past the grace', async () => {
    const apps = [await fakeApp('sleepy', 'never-ready'), await fakeApp('stubborn', 'stubborn')];
    const { supervisor, lines } = supervise(apps, { readyTimeoutMs: 1_500, stopGraceMs: 1_000 });
    supervisors.push(supervisor);
    expect(await supervisor.startAll()).toEqual({ sleepy: false, stubborn: true });
    expect(lines).toContain(`sleepy not ready after 1.5 s (see ${apps[0]?.logFile})`);
    const pid = pidOf(supervisor, 'stubborn');
    const exits = await supervisor.stopAll();
    expect(exits.get('sleepy')?.clean).toBe(true);
    expect(exits.get('stubborn')).toEqual({ code: null, signal: 'SIGKILL', clean: false });
    expect(lines).toContain('stubborn stopped uncleanly (SIGKILL after 1 s)');
    expect(alive(pid)).toBe(false);
  });

  it('reports an executable that cannot be started as crashed', async () => {
    const app = { ...(await fakeApp('ghost')), command: path.join(dir.path, 'no-such-binary') };
    const { supervisor, lines } = supervise([app], { readyTimeoutMs: 5_000 });
    expect(await supervisor.startAll()).toEqual({ ghost: false });
    expect(lines).toEqual([expect.stringMatching(/^ghost could not start: spawn .*no-such-binary ENOENT$/)]);
    expect(supervisor.unexpectedExits.get('ghost')).toEqual({ code: null, signal: null, clean: false });
  });

  it('refuses two apps with one name', async () => {
    const app = await fakeApp('twin');
    expect(() => createSupervisor({ apps: [app, app] })).toThrow('apps: the name "twin" is used twice');
  });
});
