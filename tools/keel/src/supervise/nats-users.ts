/**
 * The NATS users of a local session (`keel start`, `keel demo`): one per app process, each
 * with a fresh random password and only the rights it needs (`permissionsOf` in @keel/bus):
 * the relay alone may publish events. Plus `model` (may submit predictions) and `operator`
 * (everything, for `keel` tools and the `nats` CLI), whose passwords are written to
 * `nats-credentials.json` (mode 0600) in the session's directory.
 *
 * Each app is handed only its own user and password (`KEEL_NATS_USER`, `KEEL_NATS_PASSWORD`).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BusRole, BusUser, LEASE_BUCKET } from '@keel/bus';
import { BALANCES_ENGINE_NAME } from '@keel/balances-engine';
import { PNL_ENGINE_NAME } from '@keel/pnl-engine';
import { PREDICTION_SUBJECT } from '@keel/prediction-domain';

/** The names an app process consumes as (its durables), when they differ from the process's name. */
const CONSUMERS: Readonly<Record<string, readonly string[]>> = {
  'prediction-ingest': [],
  'balance-aggregator': [PNL_ENGINE_NAME, BALANCES_ENGINE_NAME],
};

/** What one app process may do on the bus. */
export const roleOf = (process: string): BusRole =>
  process === 'relay'
    ? { kind: 'relay' }
    : {
        kind: 'app',
        consumers: CONSUMERS[process] ?? [process],
        ...(process === 'prediction-ingest' ? { serves: [PREDICTION_SUBJECT] } : {}),
        // A gateway (`gateway`, `gateway-<instance>`) holds a lease per account it owns.
        ...(process === 'gateway' || process.startsWith('gateway-') ? { leases: [LEASE_BUCKET] } : {}),
      };

/** A user of a session's own server: its password is known here. */
type SessionUser = BusUser & { readonly password: string };

export interface SessionNatsUsers {
  readonly users: readonly SessionUser[];
  /** The settings that connect one app process as its own user. */
  envFor(process: string): Record<string, string>;
  /** Write the operator's and the model's credentials (0600); returns the file's path. */
  writeCredentials(dir: string, url: string): string;
}

const password = (): string => randomBytes(24).toString('base64url');

/** The processes of a deployment (infra/docker-compose.yml): one gateway, every other app. */
export const DEPLOYMENT_PROCESSES = [
  'relay',
  'prediction-ingest',
  'optimizer',
  'execution',
  'cme-rollover',
  'balance-aggregator',
  'gateway',
] as const;

/** The environment variable holding a user's password in a deployment: `NATS_PASSWORD_<USER>`. */
export const passwordVariable = (user: string): string =>
  `NATS_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * The users of a deployment's NATS, with passwords read from the environment when the server
 * loads its configuration (infra/nats/auth.conf, written by `keel nats-auth`).
 */
export const deploymentNatsUsers = (): readonly BusUser[] =>
  [
    ...DEPLOYMENT_PROCESSES.map((p) => ({ user: p as string, role: roleOf(p) })),
    { user: 'model', role: { kind: 'producer', requests: [PREDICTION_SUBJECT] } as BusRole },
    { user: 'operator', role: { kind: 'admin' } as BusRole },
  ].map((u) => ({ ...u, password: { env: passwordVariable(u.user) } }));

export const sessionNatsUsers = (processes: readonly string[]): SessionNatsUsers => {
  const users: SessionUser[] = [
    ...processes.map((p) => ({ user: p, password: password(), role: roleOf(p) })),
    { user: 'model', password: password(), role: { kind: 'producer', requests: [PREDICTION_SUBJECT] } },
    { user: 'operator', password: password(), role: { kind: 'admin' } },
  ];
  const find = (user: string): SessionUser => {
    const u = users.find((x) => x.user === user);
    if (!u) throw new Error(`no NATS user for ${user}`);
    return u;
  };
  return {
    users,
    envFor: (p) => ({ KEEL_NATS_USER: find(p).user, KEEL_NATS_PASSWORD: find(p).password }),
    writeCredentials: (dir, url) => {
      const file = path.join(dir, 'nats-credentials.json');
      const entry = (u: SessionUser) => ({ user: u.user, password: u.password });
      fs.writeFileSync(
        file,
        `${JSON.stringify({ url, operator: entry(find('operator')), model: entry(find('model')) }, null, 2)}\n`,
        { mode: 0o600 },
      );
      return file;
    },
  };
};

/** The settings that reach an app when the session uses an operator's NATS: theirs, as given. */
export const externalNatsEnv = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(
    ['KEEL_NATS_USER', 'KEEL_NATS_PASSWORD', 'KEEL_NATS_TLS_CA'].flatMap((k) =>
      env[k] === undefined ? [] : [[k, env[k] as string]],
    ),
  );
