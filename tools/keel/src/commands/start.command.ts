/**
 * `keel start`: the main job on one machine. Uses the NATS at $KEEL_NATS_URL / $NATS_URL
 * when it answers, otherwise starts a nats-server with JetStream in <data>/nats; then
 * starts the relay and every app as its own process against one embedded store file
 * (through the supervisor: one line per app state change on stderr), waits until each
 * reports ready, and runs until Ctrl-C / SIGTERM (or `--for` seconds). Then it stops every
 * app with one SIGTERM each, reports each one's stop, and stops the nats-server it started
 * last. A second Ctrl-C / SIGTERM kills everything at once (exit 130). App logs go to
 * <data>/logs/<app>.log. See README, "Stopping".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { intFlag, parseFlags } from '../cli.io';
import {
  appLaunch,
  createSupervisor,
  exitText,
  ManagedApp,
  REPO_ROOT,
  stateLine,
} from '../supervise/supervisor';
import type { Command } from './command';
import { listenForSessionStop, natsFor, Owned } from '../supervise/nats';

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

const root = REPO_ROOT;

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
  relay: ['KEEL_EVENTS_MAX_AGE_HOURS', 'KEEL_DEAD_LETTERS_MAX_AGE_HOURS'],
  execution: ['KEEL_CHILD_VALIDITY_MS'],
  gateway: [
    'KEEL_NOT_FOUND_HORIZON_MS',
    'KEEL_RECONCILE_FILLS_MS',
    'KEEL_LEASE_TTL_MS',
    'KEEL_FILL_LOOKBACK_MS',
  ],
};
const othersOnly = (app: string): ReadonlySet<string> =>
  new Set(
    Object.entries(APP_ONLY_SETTINGS)
      .filter(([owner]) => owner !== app)
      .flatMap(([, names]) => names),
  );
/** Venue credentials (`VENUE_<ACCOUNT>_API_KEY`, `_SECRET`, …): the gateway's alone. */
const SECRET_PREFIX = 'VENUE_';
const SECRETS_OWNER = 'gateway';

/**
 * What of this process's environment an app is given: everything but the settings another app
 * alone takes (it would refuse them) and the venue credentials, which only the gateway reads —
 * no other app holds a secret it does not use.
 */
export const appEnvironment = (app: string, env: NodeJS.ProcessEnv): Record<string, string> => {
  const others = othersOnly(app);
  return Object.fromEntries(
    Object.entries(env).flatMap(([k, v]) =>
      v === undefined || others.has(k) || (k.startsWith(SECRET_PREFIX) && app !== SECRETS_OWNER)
        ? []
        : [[k, v] as const],
    ),
  );
};

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

    // Listen before anything starts: a Ctrl-C during start-up stops what has started.
    const owned: Owned = {};
    const stopSignals = listenForSessionStop(io, owned);
    const stopRequest = stopSignals.requested.then((signal) => `${signal} received`);
    let asked: string | undefined;
    void stopRequest.then((reason) => (asked = reason));

    const {
      url: natsUrl,
      server: nats,
      envFor: natsEnv,
    } = await natsFor(dataDir, io, { port: 'prefer4222', processes: APPS.map((a) => a.name) });
    owned.nats = nats;
    if (asked !== undefined) {
      io.progress(`stopping (${asked}) before any app started`);
      await nats?.stop();
      stopSignals.dispose();
      return 0;
    }

    const storeUri = process.env['KEEL_STORE_URI'] ?? `sqlite:${path.join(dataDir, 'keel.sqlite')}`;
    const apps = managedApps({ dataDir, natsUrl, natsEnv, storeUri, offset });
    const sup = createSupervisor({
      apps,
      onState: (app, state, detail) => {
        io.progress(stateLine(app, state, detail));
        if (state === 'crashed') io.progress(logTail(path.join(dataDir, 'logs', `${app}.log`)));
      },
    });
    owned.supervisor = sup;

    const startup = sup.startAll();
    let reported = false;
    const report = (ready: Readonly<Record<string, boolean>>): void => {
      reported = true;
      const table = apps.map((a) => ({ app: a.name, health: a.healthUrl, ready: ready[a.name] ?? false }));
      for (const row of table)
        io.progress(`  ${row.app.padEnd(20)} ${row.health}  ${row.ready ? 'ready' : 'NOT READY'}`);
      io.progress(
        `store: ${storeUri}; logs: ${path.join(dataDir, 'logs')}; ${seconds === undefined ? 'Ctrl-C to stop' : `stopping in ${seconds} s`}`,
      );
      if (io.json) io.result({ natsUrl, storeUri, apps: table });
    };
    let timer: NodeJS.Timeout | undefined;
    const reason = await Promise.race([
      stopRequest,
      startup.then((ready) => {
        report(ready);
        return Promise.race([
          stopRequest,
          sup.whenAllExited().then(() => 'every app has exited'),
          ...(seconds === undefined
            ? []
            : [
                new Promise<string>(
                  (r) => (timer = setTimeout(() => r(`--for ${seconds} s elapsed`), seconds * 1000)),
                ),
              ]),
        ]);
      }),
    ]);
    clearTimeout(timer);

    io.progress(`stopping every app (${reason})…`);
    const exits = await sup.stopAll();
    const ready = await startup; // at once now: stopping ends the waits for readiness
    if (!reported) report(ready);
    if (nats) {
      await nats.stop();
      io.progress('nats-server stopped');
    }
    stopSignals.dispose();

    const unclean = [...exits].filter(([, e]) => !e.clean);
    const allReady = apps.every((a) => ready[a.name]);
    io.progress(
      unclean.length === 0
        ? `all ${exits.size} apps stopped cleanly`
        : `stopped uncleanly: ${unclean.map(([app, e]) => `${app} (${exitText(e)})`).join(', ')}; see their logs`,
    );
    if (!allReady) io.progress('some apps never became ready; see their logs');
    return unclean.length === 0 && allReady ? 0 : 1;
  },
};

/** Every app as the supervisor runs it: its launch, health URL, log file and environment. */
const managedApps = (o: {
  readonly dataDir: string;
  readonly natsUrl: string;
  readonly natsEnv: (app: string) => Record<string, string>;
  readonly storeUri: string;
  readonly offset: number;
}): readonly ManagedApp[] =>
  APPS.map((app) => ({
    name: app.name,
    ...appLaunch(app.name),
    cwd: root,
    healthUrl: `http://127.0.0.1:${app.port + o.offset}`,
    logFile: path.join(o.dataDir, 'logs', `${app.name}.log`),
    env: {
      ...appEnvironment(app.name, process.env),
      KEEL_NATS_URL: o.natsUrl,
      ...o.natsEnv(app.name),
      KEEL_STORE_URI: o.storeUri,
      KEEL_HTTP_PORT: String(app.port + o.offset),
      ...(app.name === 'prediction-ingest'
        ? { KEEL_API_PORT: String(Number(process.env['KEEL_API_PORT'] ?? API_PORT) + o.offset) }
        : {}),
    },
  }));

/** The last lines of an app's log, for the line that reports its crash. */
const logTail = (file: string): string => {
  try {
    const tail = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-5).join('\n');
    return `last lines of ${file}:\n${tail}`;
  } catch (e) {
    return `(no log at ${file}: ${(e as Error).message})`;
  }
};
