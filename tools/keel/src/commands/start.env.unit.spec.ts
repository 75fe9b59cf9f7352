/** What `keel start` hands each app of its own environment. */
import { APPS, appEnvironment } from './start.command';

const env: NodeJS.ProcessEnv = {
  PATH: '/usr/bin',
  KEEL_LOG_LEVEL: 'info',
  KEEL_MODEL_KEYS: '[{"modelId":"m","key":"k"}]',
  KEEL_OPTIMIZER: '{}',
  VENUE_BINANCE_MAIN_API_KEY: 'api-key',
  VENUE_BINANCE_MAIN_SECRET: 'secret',
  UNSET: undefined,
};

describe('appEnvironment', () => {
  it('gives venue credentials to the gateway alone', () => {
    expect(appEnvironment('gateway', env)).toMatchObject({
      VENUE_BINANCE_MAIN_API_KEY: 'api-key',
      VENUE_BINANCE_MAIN_SECRET: 'secret',
    });
    for (const app of APPS.map((a) => a.name).filter((n) => n !== 'gateway'))
      expect(Object.keys(appEnvironment(app, env)).filter((k) => k.startsWith('VENUE_'))).toEqual([]);
  });

  it("keeps one app's own settings from the others, and passes what every app reads", () => {
    expect(appEnvironment('prediction-ingest', env)).toMatchObject({
      KEEL_MODEL_KEYS: env['KEEL_MODEL_KEYS'],
    });
    expect(appEnvironment('optimizer', env)).not.toHaveProperty('KEEL_MODEL_KEYS');
    expect(appEnvironment('optimizer', env)).toMatchObject({ KEEL_OPTIMIZER: '{}' });
    expect(appEnvironment('execution', env)).toEqual({ PATH: '/usr/bin', KEEL_LOG_LEVEL: 'info' });
  });

  it('gives the stream limits to the relay alone, and each new setting to its own app', () => {
    const more = {
      ...env,
      KEEL_EVENTS_MAX_AGE_HOURS: '24',
      KEEL_CHILD_VALIDITY_MS: '30000',
      KEEL_NOT_FOUND_HORIZON_MS: '5000',
    };
    expect(appEnvironment('relay', more)).toMatchObject({ KEEL_EVENTS_MAX_AGE_HOURS: '24' });
    expect(appEnvironment('execution', more)).toMatchObject({ KEEL_CHILD_VALIDITY_MS: '30000' });
    expect(appEnvironment('execution', more)).not.toHaveProperty('KEEL_EVENTS_MAX_AGE_HOURS');
    expect(appEnvironment('gateway', more)).toMatchObject({ KEEL_NOT_FOUND_HORIZON_MS: '5000' });
    expect(appEnvironment('optimizer', more)).not.toHaveProperty('KEEL_NOT_FOUND_HORIZON_MS');
  });
});
