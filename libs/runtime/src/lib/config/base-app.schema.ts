/**
 * The settings every Keel app shares. An app's own schema spreads these properties and
 * adds its own (overriding `httpPort`'s default so apps on one host do not collide):
 * `Type.Object({ ...BaseAppConfig.properties, httpPort: HttpPort(8102), ... })`.
 */
import { Static, Type } from '@sinclair/typebox';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const ISO_OR_EMPTY = '^$|^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';
const isoOrEmpty = (description: string) =>
  Type.String({
    default: '',
    pattern: ISO_OR_EMPTY,
    description,
    errorMessage: 'must be an ISO-8601 timestamp such as 2024-01-01T00:00:00Z, or empty',
  });

/** An HTTP port setting; 0 asks the OS for a free port (tests, parallel e2e runs). */
export const HttpPort = (defaultPort: number) =>
  Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: defaultPort,
    description: 'HTTP port for /healthz, /readyz, /metrics',
  });

export const BaseAppConfig = Type.Object({
  natsUrl: Type.String({
    default: 'nats://127.0.0.1:4222',
    pattern: '^(nats|tls|ws|wss)://[^\\s,]+(,(nats|tls|ws|wss)://[^\\s,]+)*$',
    errorMessage: 'must be a NATS URL such as nats://127.0.0.1:4222 (several: comma-separated)',
  }),
  natsUser: Type.String({
    default: '',
    pattern: '^[A-Za-z0-9_.-]*$',
    description: 'NATS user this app connects as (empty: a server without authorization)',
  }),
  natsPassword: Type.String({ default: '', secret: true, description: "the NATS user's password" }),
  natsTlsCa: Type.String({
    default: '',
    description: 'CA certificate file: connect to NATS over TLS, checking the server against it',
  }),
  storeUri: Type.String({
    default: 'sqlite:./data/keel.sqlite',
    minLength: 1,
    description: 'event store location',
  }),
  storeUser: Type.String({
    default: '',
    description: 'kurrentdb:// only: the user the app connects as (a secure node requires one)',
  }),
  storePassword: Type.String({
    default: '',
    secret: true,
    description: "kurrentdb:// only: the store user's password",
  }),
  httpHost: Type.String({ default: '127.0.0.1', minLength: 1 }),
  httpPort: HttpPort(8080),
  logLevel: Type.Union(
    LOG_LEVELS.map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  clock: Type.Union([Type.Literal('real'), Type.Literal('accelerated')], { default: 'real' }),
  clockFactor: Type.Number({
    exclusiveMinimum: 0,
    maximum: 1_000_000,
    default: 1,
    description: 'virtual ms per wall ms (accelerated clock)',
  }),
  clockStart: isoOrEmpty('virtual time at clockRealStart (accelerated clock); empty = the wall time then'),
  clockRealStart: isoOrEmpty(
    'wall time at which virtual time was clockStart; give every demo process the same value; empty = process start',
  ),
  snapshotEvery: Type.Integer({
    minimum: 1,
    default: 500,
    description: 'events between snapshots of a stream',
  }),
});
export type BaseAppConfig = Static<typeof BaseAppConfig>;
