/**
 * The test helpers themselves: a real nats-server comes up on a free port, comes back on
 * the same port with its store after a restart, and a missing binary says how to install it.
 */
import { existsSync } from 'node:fs';
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

describe('startNatsServer', () => {
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
