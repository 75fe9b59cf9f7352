/**
 * The NATS users of a session and of a deployment, on a real nats-server: the deployment's
 * infra/nats/auth.conf is what `keel nats-auth` writes today, the server loads it with the
 * passwords from its environment, and each app gets its own rights and nothing more.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { connectNatsBus, EventBus } from '@keel/bus';
import { sampleEvents } from '@keel/bus/testing';
import { NatsServer, startNatsServer, TempDir, tempDir } from '@keel/testing';
import { NATS_AUTH_PATH, renderNatsAuth } from '../commands/nats-auth.command';
import { REPO_ROOT } from './app-launch';
import { DEPLOYMENT_PROCESSES, passwordVariable, roleOf, sessionNatsUsers } from './nats-users';

jest.setTimeout(60_000);

describe('a deployment’s NATS users (infra/nats/auth.conf)', () => {
  let dir: TempDir;
  let server: NatsServer;
  const buses: EventBus[] = [];
  const passwords = new Map<string, string>();

  beforeAll(async () => {
    dir = await tempDir('keel-nats-deploy');
    for (const user of [...DEPLOYMENT_PROCESSES, 'model', 'operator']) {
      const pw = `${user}-password-${Math.random().toString(36).slice(2)}`;
      passwords.set(user, pw);
    }
    // Beside its own nats.conf, as in infra/nats (an include is relative to the including file).
    fs.copyFileSync(path.join(REPO_ROOT, NATS_AUTH_PATH), path.join(dir.path, 'auth.conf'));
    const conf = path.join(dir.path, 'nats.conf');
    fs.writeFileSync(conf, 'include ./auth.conf\n');
    const env = Object.fromEntries([...passwords].map(([user, pw]) => [passwordVariable(user), pw]));
    server = await startNatsServer({ args: ['-c', conf], env });
  });

  afterAll(async () => {
    for (const b of buses) await b.close();
    await server?.dispose();
    await dir?.cleanup();
  });

  const connectAs = async (user: string, password = passwords.get(user)) => {
    const r = await connectNatsBus({
      servers: server.url,
      name: `deploy-${user}`,
      requestTimeoutMs: 2000,
      ...(password === undefined ? {} : { user, password }),
    })();
    if (E.isRight(r)) buses.push(r.right);
    return r;
  };

  it('is what `keel nats-auth` writes today', () => {
    expect(fs.readFileSync(path.join(REPO_ROOT, NATS_AUTH_PATH), 'utf8')).toBe(renderNatsAuth());
  });

  it('is loaded by nats-server: the relay writes, the gateway consumes its own durable and cannot write events', async () => {
    const relay = await connectAs('relay');
    if (E.isLeft(relay)) throw new Error(relay.left.message);
    expect(E.isRight(await relay.right.publish(sampleEvents('deploy', 1, 3))())).toBe(true);
    const gateway = await connectAs('gateway');
    if (E.isLeft(gateway)) throw new Error(gateway.left.message);
    const seen: number[] = [];
    const consumer = await gateway.right.consume(
      { app: 'gateway' },
      (e) => void seen.push(e.globalPosition),
    )();
    if (E.isLeft(consumer)) throw new Error(consumer.left.message);
    for (let i = 0; i < 200 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([1, 2, 3]);
    await consumer.right.stop();
    const forged = await gateway.right.publishRaw(
      'keel.evt.portfolio.target-position-set',
      new Uint8Array([123, 125]),
    )();
    expect(E.isLeft(forged) && forged.left.message).toMatch(/permission/i);
    expect(E.isLeft(await connectAs('gateway', 'a-wrong-password-for-it'))).toBe(true);
    expect(E.isLeft(await connectAs('nobody', undefined))).toBe(true);
  });
});

describe('a session’s NATS users (keel start, keel demo)', () => {
  it('gives every process its own user and a password of its own, and writes the operator’s credentials 0600', async () => {
    const processes = ['relay', 'execution', 'gateway-binance', 'balance-aggregator', 'prediction-ingest'];
    const users = sessionNatsUsers(processes);
    const envs = processes.map((p) => users.envFor(p));
    expect(envs.map((e) => e['KEEL_NATS_USER'])).toEqual(processes);
    expect(new Set(envs.map((e) => e['KEEL_NATS_PASSWORD'])).size).toBe(processes.length);
    for (const e of envs) expect(Object.keys(e).sort()).toEqual(['KEEL_NATS_PASSWORD', 'KEEL_NATS_USER']);
    expect(roleOf('gateway-binance')).toEqual({
      kind: 'app',
      consumers: ['gateway-binance'],
      leases: ['keel-leases'],
    });
    expect(roleOf('balance-aggregator')).toEqual({
      kind: 'app',
      consumers: ['balance-aggregator', 'balance-valuation'],
    });
    const dir = await tempDir('keel-nats-session');
    try {
      const file = users.writeCredentials(dir.path, 'nats://127.0.0.1:4222');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const written = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(Object.keys(written).sort()).toEqual(['model', 'operator', 'url']);
    } finally {
      await dir.cleanup();
    }
  });
});
