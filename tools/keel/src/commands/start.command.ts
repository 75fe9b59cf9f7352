/**
 * `keel start`: the main job on one machine. Uses the NATS at $KEEL_NATS_URL / $NATS_URL
 * when it answers, otherwise starts a nats-server with JetStream in <data>/nats; then
 * starts the relay and every app as its own process against one embedded store file,
 * waits until each reports ready, and runs until Ctrl-C (or `--for` seconds), stopping
 * every app with SIGTERM. App logs go to <data>/logs/<app>.log.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { startNatsServer } from '@keel/testing';
import { intFlag, parseFlags } from '../cli.io';
import type { Command } from './command';

/** Every app, in start order (the relay first), with its default health port. */
export const APPS = [
  { name: 'relay', port: 8087 },
  { name: 'prediction-ingest', port: 8081 },
  { name: 'optimizer', port: 8082 },
  { name: 'execution', port: 8083 },
  { name: 'cme-rollover', port: 8084 },
  { name: 'balance-aggregator', port: 8085 },
  { name: 'gateway', port: 8086 },
] as const;

const root = path.resolve(__dirname, '../../../..');

/**
 * Settings that one app alone takes: each app refuses `KEEL_*` settings it does not know (a
 * typo must not leave a default silently in force), so these reach their own app only.
 */
const APP_ONLY_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  'prediction-ingest': [
    'KEEL_MODEL_KEYS',
    'KEEL_API_HOST',
    'KEEL_API_PORT',
    'KEEL_RATE_LIMIT_PER_SEC',
    'KEEL_RATE_LIMIT_BURST',
    'KEEL_SIGNATURE_TOLERANCE_SEC',
    'KEEL_FUTURE_SKEW_SEC',
    'KEEL_NATS_SUBJECT',
  ],
  optimizer: ['KEEL_OPTIMIZER'],
  'balance-aggregator': ['KEEL_BALANCES'],
};
const othersOnly = (app: string): ReadonlySet<string> =>
  new Set(
    Object.entries(APP_ONLY_SETTINGS)
      .filter(([owner]) => owner !== app)
      .flatMap(([, names]) => names),
  );
/** The predictions API's port (prediction-ingest), moved by --port-offset like the health ports. */
const API_PORT = 8090;

export const startCommand: Command = {
  summary: 'start NATS (if none is reachable), the relay and every app; Ctrl-C stops them',
  run: async (args, io) => {
    const flags = parseFlags(args, {
      data: { type: 'string' },
      for: { type: 'string' },
      'port-offset': { type: 'string' },
    });
    const dataDir = path.resolve(flags.data ?? path.join(root, 'data'));
    const seconds = flags.for === undefined ? undefined : intFlag('for', flags.for, 0);
    const offset = intFlag('port-offset', flags['port-offset'], 0, 0);
    fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true });

    const wanted = process.env['KEEL_NATS_URL'] ?? process.env['NATS_URL'];
    let natsUrl: string;
    let stopNats = async (): Promise<void> => undefined;
    if (wanted && (await reachable(wanted))) {
      natsUrl = wanted;
      io.progress(`NATS: using ${natsUrl}`);
    } else {
      if (wanted) io.progress(`NATS: ${wanted} does not answer; starting a local nats-server`);
      const port = (await portFree(4222)) ? 4222 : undefined;
      const server = await startNatsServer({
        ...(port ? { port } : {}),
        storeDir: path.join(dataDir, 'nats'),
      });
      natsUrl = server.url;
      stopNats = () => server.stop();
      io.progress(`NATS: started ${natsUrl} (JetStream in ${path.join(dataDir, 'nats')})`);
    }

    const storeUri = process.env['KEEL_STORE_URI'] ?? `sqlite:${path.join(dataDir, 'keel.sqlite')}`;
    const children = new Map<string, ChildProcess>();
    const exitCodes = new Map<string, number | string>();
    for (const app of APPS) {
      const log = fs.openSync(path.join(dataDir, 'logs', `${app.name}.log`), 'a');
      const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app.name}/src/main.ts`], {
        cwd: root,
        stdio: ['ignore', log, log],
        env: {
          ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !othersOnly(app.name).has(k))),
          KEEL_NATS_URL: natsUrl,
          KEEL_STORE_URI: storeUri,
          KEEL_HTTP_PORT: String(app.port + offset),
          ...(app.name === 'prediction-ingest'
            ? { KEEL_API_PORT: String(Number(process.env['KEEL_API_PORT'] ?? API_PORT) + offset) }
            : {}),
        },
      });
      fs.closeSync(log);
      children.set(app.name, child);
      child.on('exit', (code, signal) => {
        children.delete(app.name);
        exitCodes.set(app.name, code ?? signal ?? 'unknown');
        if (!stopping) {
          const logFile = path.join(dataDir, 'logs', `${app.name}.log`);
          const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-5).join('\n');
          io.progress(`${app.name} exited (${signal ?? code}); last lines of ${logFile}:\n${tail}`);
        }
      });
    }

    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      io.progress('stopping apps…');
      await Promise.all(
        [...children.values()].map(
          (c) => new Promise<void>((r) => (c.once('exit', () => r()), c.kill('SIGTERM'))),
        ),
      );
      await stopNats();
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());

    const ready = await waitReady(
      APPS.map((a) => a.port + offset),
      60_000,
    );
    const table = APPS.map((a) => ({
      app: a.name,
      health: `http://127.0.0.1:${a.port + offset}`,
      ready: ready[a.port + offset] ?? false,
    }));
    for (const row of table)
      io.progress(`  ${row.app.padEnd(20)} ${row.health}  ${row.ready ? 'ready' : 'NOT READY'}`);
    io.progress(
      `store: ${storeUri}; logs: ${path.join(dataDir, 'logs')}; ${seconds === undefined ? 'Ctrl-C to stop' : `stopping in ${seconds} s`}`,
    );
    if (io.json) io.result({ natsUrl, storeUri, apps: table });

    if (seconds !== undefined) setTimeout(() => void stop(), seconds * 1000);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (children.size === 0) {
          clearInterval(check);
          resolve();
        }
      }, 200);
    });
    await stop();
    const unclean = [...exitCodes].filter(([, code]) => code !== 0);
    for (const [app, code] of unclean) io.progress(`${app} stopped uncleanly (${code}); see its log`);
    if (!table.every((r) => r.ready)) io.progress('some apps never became ready; see their logs');
    return unclean.length === 0 && table.every((r) => r.ready) ? 0 : 1;
  },
};

const reachable = (url: string): Promise<boolean> => {
  const m = /^[a-z]+:\/\/(?:[^@/]*@)?([^:/,]+):(\d+)/.exec(url);
  if (!m) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = net.connect({ host: m[1], port: Number(m[2]), timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
};

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

const waitReady = async (ports: readonly number[], timeoutMs: number): Promise<Record<number, boolean>> => {
  const status: Record<number, boolean> = {};
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !ports.every((p) => status[p])) {
    await Promise.all(
      ports.map(async (p) => {
        if (status[p]) return;
        status[p] = await fetch(`http://127.0.0.1:${p}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
      }),
    );
    await new Promise((r) => setTimeout(r, 250));
  }
  return status;
};
