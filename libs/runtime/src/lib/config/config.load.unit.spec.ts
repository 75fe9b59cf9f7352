import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Type } from '@sinclair/typebox';
import * as E from 'fp-ts/Either';
import { ValidationError } from '@keel/events';
import { BaseAppConfig } from './base-app.schema';
import { formatConfigError, formatConfigErrors } from './config.format';
import { loadConfig } from './config.load';
import { envNameFor, screamingSnake } from './config.names';

const errorLines = (e: E.Either<ValidationError[], unknown>): string[] => {
  if (E.isRight(e)) throw new Error(`expected errors, got ${JSON.stringify(e.right)}`);
  return e.left.map(formatConfigError);
};
const value = <A>(e: E.Either<ValidationError[], A>): A => {
  if (E.isLeft(e)) throw new Error(formatConfigErrors(e.left));
  return e.right;
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-config-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const writeFile = (name: string, content: string): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
};

describe('env names', () => {
  it.each([
    ['natsUrl', 'NATS_URL'],
    ['httpPort', 'HTTP_PORT'],
    ['storeURI', 'STORE_URI'],
    ['ema20Window', 'EMA20_WINDOW'],
    ['snapshotEvery', 'SNAPSHOT_EVERY'],
  ])('%s → %s', (field, env) => expect(screamingSnake(field)).toBe(env));

  it('prefixes', () => expect(envNameFor('KEEL_', 'clockRealStart')).toBe('KEEL_CLOCK_REAL_START'));
});

describe('NATS_URL, the alias of KEEL_NATS_URL', () => {
  it('is read when KEEL_NATS_URL is not set', () =>
    expect(value(loadConfig(BaseAppConfig, { env: { NATS_URL: 'nats://10.0.0.5:4222' } })).natsUrl).toBe(
      'nats://10.0.0.5:4222',
    ));

  it('loses to KEEL_NATS_URL when both are set', () =>
    expect(
      value(
        loadConfig(BaseAppConfig, {
          env: { NATS_URL: 'nats://alias:4222', KEEL_NATS_URL: 'nats://canonical:4222' },
        }),
      ).natsUrl,
    ).toBe('nats://canonical:4222'));

  it('is named in the error when its value is bad', () => {
    const lines = errorLines(loadConfig(BaseAppConfig, { env: { NATS_URL: 'not a url' } }));
    expect(lines.join('\n')).toMatch(/NATS_URL/);
    expect(lines.join('\n')).not.toMatch(/KEEL_NATS_URL/);
  });
});

describe('loadConfig with BaseAppConfig', () => {
  it('fills every default when nothing is set', () => {
    expect(value(loadConfig(BaseAppConfig, { env: {} }))).toEqual({
      natsUrl: 'nats://127.0.0.1:4222',
      natsUser: '',
      natsPassword: '',
      natsTlsCa: '',
      storeUri: 'sqlite:./data/keel.sqlite',
      storeUser: '',
      storePassword: '',
      httpHost: '127.0.0.1',
      httpPort: 8080,
      logLevel: 'info',
      clock: 'real',
      clockFactor: 1,
      clockStart: '',
      clockRealStart: '',
      snapshotEvery: 500,
    });
  });

  it('refuses a NATS user name the server could not have, naming the key and the value', () => {
    const r = loadConfig(BaseAppConfig, { env: { KEEL_NATS_USER: 'bad user!' } });
    expect(E.isLeft(r)).toBe(true);
    expect(JSON.stringify(r)).toMatch(/KEEL_NATS_USER/);
    expect(JSON.stringify(r)).toMatch(/bad user!/);
  });

  it('reads env vars as the schema types, ignoring variables without the prefix', () => {
    const config = value(
      loadConfig(BaseAppConfig, {
        env: {
          KEEL_HTTP_PORT: '9100',
          KEEL_CLOCK: 'accelerated',
          KEEL_CLOCK_FACTOR: '60',
          KEEL_LOG_LEVEL: 'debug',
          PATH: '/usr/bin',
          HOME: undefined,
        },
      }),
    );
    expect(config).toMatchObject({
      httpPort: 9100,
      clock: 'accelerated',
      clockFactor: 60,
      logLevel: 'debug',
    });
  });

  it('overlays env vars on the config file', () => {
    const file = writeFile(
      'overlay.json',
      JSON.stringify({ httpPort: 9000, natsUrl: 'nats://nats:4222', snapshotEvery: 50 }),
    );
    const config = value(loadConfig(BaseAppConfig, { env: { KEEL_HTTP_PORT: '9001' }, file }));
    expect(config).toMatchObject({ httpPort: 9001, natsUrl: 'nats://nats:4222', snapshotEvery: 50 });
  });

  it('names the env var and the text given', () => {
    expect(errorLines(loadConfig(BaseAppConfig, { env: { KEEL_HTTP_PORT: 'abc' } }))).toEqual([
      'KEEL_HTTP_PORT: must be an integer from 0 to 65535 (got "abc")',
    ]);
    expect(errorLines(loadConfig(BaseAppConfig, { env: { KEEL_HTTP_PORT: '70000' } }))).toEqual([
      'KEEL_HTTP_PORT: must be an integer from 0 to 65535 (got "70000")',
    ]);
    expect(errorLines(loadConfig(BaseAppConfig, { env: { KEEL_HTTP_PORT: '80.5' } }))).toEqual([
      'KEEL_HTTP_PORT: must be an integer from 0 to 65535 (got "80.5")',
    ]);
  });

  it('reports every problem at once, in schema order, after unknown names', () => {
    const file = writeFile(
      'bad.json',
      JSON.stringify({ httpPort: -1, snapshotEvry: 10, natsUrl: 'localhost:4222' }),
    );
    const result = loadConfig(BaseAppConfig, {
      file,
      env: {
        KEEL_LOG_LEVEL: 'verbose',
        KEEL_CLOCK_FACTOR: '0',
        KEEL_CLOCK_START: 'yesterday',
        KEEL_HTTP_PROT: '8080',
        KEEL_NONSENSE: 'x',
      },
    });
    expect(errorLines(result)).toEqual([
      `${file}#/snapshotEvry: is not a known setting (did you mean snapshotEvery?)`,
      'KEEL_HTTP_PROT: is not a known setting (did you mean KEEL_HTTP_PORT?)',
      'KEEL_NONSENSE: is not a known setting',
      `${file}#/natsUrl: must be a NATS URL such as nats://127.0.0.1:4222 (several: comma-separated) (got "localhost:4222")`,
      `${file}#/httpPort: must be an integer from 0 to 65535 (got -1)`,
      'KEEL_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace (got "verbose")',
      'KEEL_CLOCK_FACTOR: must be a number greater than 0 and at most 1000000 (got "0")',
      'KEEL_CLOCK_START: must be an ISO-8601 timestamp such as 2024-01-01T00:00:00Z, or empty (got "yesterday")',
    ]);
  });

  it('formats the whole list for a failed start', () => {
    const result = loadConfig(BaseAppConfig, { env: { KEEL_HTTP_PORT: 'abc', KEEL_CLOCK: 'fast' } });
    if (E.isRight(result)) throw new Error('expected errors');
    expect(formatConfigErrors(result.left)).toBe(
      [
        'invalid configuration (2 problems):',
        '  KEEL_HTTP_PORT: must be an integer from 0 to 65535 (got "abc")',
        '  KEEL_CLOCK: must be one of real, accelerated (got "fast")',
      ].join('\n'),
    );
  });

  it('lets other tools own some prefixed variables', () => {
    expect(
      E.isRight(
        loadConfig(BaseAppConfig, {
          env: { KEEL_EVENTSTORE_URL: 'esdb://x' },
          ignoreEnv: ['KEEL_EVENTSTORE_URL'],
        }),
      ),
    ).toBe(true);
  });

  it('honours another prefix', () => {
    expect(
      value(loadConfig(BaseAppConfig, { env: { OPT_HTTP_PORT: '1', KEEL_WHATEVER: 'x' }, prefix: 'OPT_' }))
        .httpPort,
    ).toBe(1);
  });

  it('names a missing or unreadable file', () => {
    const missing = path.join(dir, 'missing.json');
    expect(errorLines(loadConfig(BaseAppConfig, { env: {}, file: missing }))).toEqual([
      `${missing}: cannot be read (ENOENT: no such file or directory, open '${missing}')`,
    ]);
    const broken = writeFile('broken.json', '{"httpPort": 80,');
    const lines = errorLines(loadConfig(BaseAppConfig, { env: {}, file: broken }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is not valid JSON \\(`),
    );
    const list = writeFile('list.json', '[1, 2]');
    expect(errorLines(loadConfig(BaseAppConfig, { env: {}, file: list }))).toEqual([
      `${list}: must hold a JSON object of settings (got [1,2])`,
    ]);
  });
});

describe('loadConfig with an app schema', () => {
  const AppConfig = Type.Object({
    ...BaseAppConfig.properties,
    accountId: Type.String({ minLength: 1 }),
    apiSecret: Type.String({ minLength: 16, secret: true }),
    dryRun: Type.Boolean({ default: true }),
    maxOrderNotional: Type.Optional(Type.Number({ minimum: 0 })),
    venues: Type.Array(
      Type.Object({ name: Type.String(), weight: Type.Number({ minimum: 0, maximum: 1 }) }),
      { default: [] },
    ),
  });

  it('reads booleans, optional numbers and JSON structures from env', () => {
    const config = value(
      loadConfig(AppConfig, {
        env: {
          KEEL_ACCOUNT_ID: 'acc-1',
          KEEL_API_SECRET: '0123456789abcdef',
          KEEL_DRY_RUN: 'false',
          KEEL_VENUES: '[{"name":"binance","weight":0.5}]',
        },
      }),
    );
    expect(config).toMatchObject({
      accountId: 'acc-1',
      dryRun: false,
      venues: [{ name: 'binance', weight: 0.5 }],
    });
    expect(config.maxOrderNotional).toBeUndefined();
  });

  it('names required settings, redacts secrets and points inside structures', () => {
    expect(
      errorLines(
        loadConfig(AppConfig, {
          env: {
            KEEL_API_SECRET: 'short',
            KEEL_DRY_RUN: 'maybe',
            KEEL_VENUES: '[{"name":"okx","weight":2}]',
          },
        }),
      ),
    ).toEqual([
      'KEEL_ACCOUNT_ID: is required (set KEEL_ACCOUNT_ID or "accountId" in the config file)',
      'KEEL_API_SECRET: must be a string of at least 16 characters (got "[redacted]")',
      'KEEL_DRY_RUN: must be true or false (got "maybe")',
      'KEEL_VENUES#/0/weight: must be a number from 0 to 1 (got 2)',
    ]);
  });
});
