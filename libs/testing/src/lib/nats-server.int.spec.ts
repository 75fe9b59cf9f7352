/**
 * The test helpers themselves: a real nats-server comes up on a free port, comes back on
 * the same port with its store after a restart, and a missing binary says how to install it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { connect } from 'node:net';
import { findNatsServer, startNatsServer } from './nats-server';
import { freePort } from './free-port';
import { tempDir } from './temp-dir';

jest.setTimeout(30_000);

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/** Is the process running (a zombie counts as gone)? */
const alive = (pid: number): boolean => {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('startNatsServer', () => {
  it('with ownProcessGroup and dieWithParent: its own group, and it does not outlive a SIGKILLed parent', async () => {
    const store = await tempDir('keel-nats-parent');
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'nats-parent.fixture.ts'), store.path],
      {
        cwd: path.resolve(__dirname, '../../../..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout?.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        if (out.includes('\n')) resolve(out.trim());
      });
      parent.once('exit', (code) =>
        reject(new Error(`the fixture exited (${code}) before starting nats-server`)),
      );
    });
    const [, pidText, portText] = line.split(' ');
    const pid = Number(pidText);
    try {
      expect(await accepts(Number(portText))).toBe(true);
      // Its own process group: a Ctrl-C to the parent's group does not reach it.
      const pgid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
      expect(pgid).toBe(pid);
      parent.kill('SIGKILL');
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive(pid)).toBe(false);
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      parent.kill('SIGKILL');
      await store.cleanup();
    }
  });

  it('runs on 127.0.0.1, survives stop + restart on the same port and store, and cleans up', async () => {
    const server = await startNatsServer();
    try {
      expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
      expect(await accepts(server.port)).toBe(true);
      await server.stop();
      expect(server.running()).toBe(false);
      expect(await accepts(server.port)).toBe(false);
      expect(existsSync(server.storeDir)).toBe(true);
      await server.restart();
      expect(server.running()).toBe(true);
      expect(await accepts(server.port)).toBe(true);
      await server.kill();
      expect(server.running()).toBe(false);
    } finally {
      await server.dispose();
    }
    expect(existsSync(server.storeDir)).toBe(false);
  });

  it('tells how to install the binary when it is missing', () => {
    expect(() => findNatsServer('/nonexistent/nats-server')).toThrow(/apt-get install -y nats-server/);
  });
});

describe('freePort and tempDir', () => {
  it('give a usable port and a directory that cleanup removes', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const dir = await tempDir('keel test/odd');
    expect(existsSync(dir.path)).toBe(true);
    await dir.cleanup();
    await dir.cleanup();
    expect(existsSync(dir.path)).toBe(false);
  });
});
