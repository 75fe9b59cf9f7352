/**
 * The NATS a local session runs on, and the port checks it needs: used by `keel start` and
 * `keel demo`.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { natsAuthorization } from '@keel/bus';
import { NatsServer, startNatsServer } from '@keel/testing';
import { externalNatsEnv, sessionNatsUsers } from './nats-users';
import type { Io } from '../cli.io';
import { listenForStop, StopSignals } from './stop-signals';

/**
 * The NATS to use: the one at $KEEL_NATS_URL / $NATS_URL when it answers (with the operator's
 * $KEEL_NATS_USER / _PASSWORD / _TLS_CA, if any, for every app), otherwise a nats-server of
 * our own (`server`) with JetStream and authorization: one user per process in `processes`,
 * each allowed only what it needs (nats-users.ts), on 4222 when that is free and asked for
 * (`keel start`), else on a free port (`keel demo`: never a system daemon's). `envFor` gives
 * the settings that connect one process.
 */
export const natsFor = async (
  dataDir: string,
  io: Io,
  o: { readonly port: 'prefer4222' | 'free'; readonly processes: readonly string[] },
): Promise<{
  readonly url: string;
  readonly server?: NatsServer;
  envFor(process: string): Record<string, string>;
}> => {
  const wanted = process.env['KEEL_NATS_URL'] ?? process.env['NATS_URL'];
  if (wanted && (await reachable(wanted))) {
    io.progress(`NATS: using ${wanted}`);
    const env = externalNatsEnv(process.env);
    return { url: wanted, envFor: () => env };
  }
  if (wanted) io.progress(`NATS: ${wanted} does not answer; starting a local nats-server`);
  const port = o.port === 'prefer4222' && (await portFree(4222)) ? 4222 : undefined;
  // Out of the terminal's process group (a Ctrl-C must not stop it before the apps using
  // it), and tied to this process: it gets SIGTERM if we die, however we die.
  const users = sessionNatsUsers(o.processes);
  fs.mkdirSync(dataDir, { recursive: true });
  const conf = path.join(dataDir, 'nats.conf');
  fs.writeFileSync(conf, natsAuthorization(users.users), { mode: 0o600 });
  const server = await startNatsServer({
    ...(port ? { port } : {}),
    storeDir: path.join(dataDir, 'nats'),
    args: ['-c', conf],
    ownProcessGroup: true,
    dieWithParent: true,
  });
  const credentials = users.writeCredentials(dataDir, server.url);
  io.progress(
    `NATS: started ${server.url} (JetStream in ${path.join(dataDir, 'nats')}, pid ${server.pid()}; one user per app, the operator's password in ${credentials})`,
  );
  return { url: server.url, server, envFor: users.envFor };
};

export const reachable = (url: string): Promise<boolean> => {
  const m = /^[a-z]+:\/\/(?:[^@/]*@)?([^:/,]+):(\d+)/.exec(url);
  if (!m) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = net.connect({ host: m[1], port: Number(m[2]), timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
};

export const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/**
 * A port nothing listens on now, for an app about to start. Taken below the kernel's ephemeral
 * range (32768–60999 on Linux), from which every outgoing connection and every "port 0" probe
 * draws: a port found free there can be taken by another client before the app binds it.
 */
export const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await portFree(port)) return port;
  }
  throw new Error('no free port found in 20000–31999');
};

/** What a session owns and must kill when the operator forces the stop (a second Ctrl-C). */
export interface Owned {
  nats?: NatsServer;
  supervisor?: { killAll(): void };
}

/**
 * `listenForStop` for a session: the first signal resolves `requested`; a second one kills every
 * app and the nats-server this session started at once, and exits 130.
 */
export const listenForSessionStop = (io: Io, owned: Owned): StopSignals =>
  listenForStop(() => {
    io.progress('second stop signal: killing every app and nats-server now');
    owned.supervisor?.killAll();
    void owned.nats?.kill();
    process.exit(130);
  });
