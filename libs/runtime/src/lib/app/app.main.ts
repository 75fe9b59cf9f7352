/**
 * Production wiring shared by every app's `main.ts`: decode config (refusing to start on a
 * bad key), build the ports (clock, logger, metrics, store, NATS), serve health, run the
 * app's program, and stop cleanly on SIGTERM. `/readyz` is false until the store and NATS
 * answer, and whenever either stops answering; both are reconnected without help.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { TObject, TProperties, Type } from '@sinclair/typebox';
import { describeError, InfrastructureError, KeelError, ValidationError } from '@keel/events';
import { EventStore, EventStoreLocation, openEventStore, parseEventStoreUri } from '@keel/event-store';
import { connectNatsBus, EventBus, NatsBusOptions } from '@keel/bus';
import { Clock, clockFromSettings } from '@keel/clock';
import { BaseAppConfig, HttpPort } from '../config/base-app.schema';
import { formatConfigErrors } from '../config/config.format';
import { loadConfig } from '../config/config.load';
import { createLogger, Logger } from '../logging/pino.logger';
import { createMetrics, KeelMetrics, rerunnableStart } from '../metrics/prom.metrics';
import { createReadinessMonitor } from '../health/readiness.monitor';
import { startHealthServer } from '../health/health.server';
import { createLifecycle } from '../lifecycle/shutdown.lifecycle';
import { SUPERVISED_ENV } from '../lifecycle/parent.channel';
import { retryWithBackoff } from '../lifecycle/retry.backoff';
import { FoldingApp } from './app.definition';
import { RunningApp, startFoldingApp } from './folding-app.start';

export interface AppPorts {
  readonly store: EventStore;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: KeelMetrics;
}

export interface AppProgram {
  /** Readiness checks beyond "store and NATS answer". */
  readonly checks?: Readonly<Record<string, () => Promise<boolean>>>;
  stop(): Promise<void>;
}

export interface AppMainSpec<P extends TProperties> {
  readonly name: string;
  readonly defaultHttpPort: number;
  /** The app's own settings, added to the shared ones. */
  readonly config?: P;
  /**
   * Checks the schema cannot express (references between settings), run before anything is
   * opened: a Left stops the app like a bad value (exit code 2), naming the key and the value.
   */
  readonly validate?: (
    config: BaseAppConfig & { [K in keyof P]: P[K]['static'] },
  ) => E.Either<ValidationError, unknown>;
  /** Settings of its NATS bus beyond the shared ones (the relay owns the streams' limits). */
  readonly bus?: (
    config: BaseAppConfig & { [K in keyof P]: P[K]['static'] },
  ) => Pick<NatsBusOptions, 'manageStreams' | 'eventsMaxAgeMs' | 'deadLettersMaxAgeMs'>;
  readonly start: (
    ports: AppPorts,
    config: BaseAppConfig & { [K in keyof P]: P[K]['static'] },
  ) => Promise<E.Either<KeelError, AppProgram>>;
}

const CONFIG_FILE_ENV = 'KEEL_CONFIG';

/** Run an app until SIGTERM/SIGINT. Returns the exit code: 0 clean, 1 failed, 2 bad config. */
export const runMain = async <P extends TProperties>(
  spec: AppMainSpec<P>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> => {
  const schema = Type.Object({
    ...BaseAppConfig.properties,
    httpPort: HttpPort(spec.defaultHttpPort),
    ...(spec.config ?? {}),
  }) as TObject;
  const file = env[CONFIG_FILE_ENV];
  const decoded = loadConfig(schema, {
    env,
    ...(file ? { file } : {}),
    ignoreEnv: [CONFIG_FILE_ENV, SUPERVISED_ENV],
  });
  if (E.isLeft(decoded)) {
    process.stderr.write(`${spec.name}: refusing to start\n${formatConfigErrors(decoded.left)}\n`);
    return 2;
  }
  const config = decoded.right as BaseAppConfig & { [K in keyof P]: P[K]['static'] };
  // The logger and metrics exist once the settings are known; a step before that is not lost.
  const onStep = { hear: (_stepMs: number): void => undefined };
  const clock = clockFromSettings(config, undefined, (stepMs) => onStep.hear(stepMs));
  // A store URI that names no known store is a config error, not an outage to wait out.
  const location = E.chain((where: EventStoreLocation): E.Either<ValidationError, EventStoreLocation> =>
    where.kind !== 'kurrentdb' && (config.storeUser !== '' || config.storePassword !== '')
      ? E.left({
          _tag: 'ValidationError',
          path: 'KEEL_STORE_USER',
          value: config.storeUser,
          message: `applies to a kurrentdb:// store only (KEEL_STORE_URI names a ${where.kind} store)`,
        })
      : E.right(where),
  )(
    E.mapLeft((e: ValidationError) => ({ ...e, path: 'KEEL_STORE_URI' }))(
      parseEventStoreUri(config.storeUri),
    ),
  );
  const checked = spec.validate?.(config) ?? E.right(undefined);
  const invalid = [clock, location, checked].flatMap((r) => (E.isLeft(r) ? [r.left] : []));
  if (E.isLeft(clock) || invalid.length > 0) {
    process.stderr.write(`${spec.name}: refusing to start\n${formatConfigErrors(invalid)}\n`);
    return 2;
  }

  const logger = createLogger({ name: spec.name, level: config.logLevel });
  const metrics = createMetrics(spec.name);
  onStep.hear = (stepMs) => {
    metrics.clockSteps.inc({ direction: stepMs < 0 ? 'back' : 'forward' });
    logger.warn(
      { stepMs },
      'the system clock stepped: timers keep their durations (monotonic); times read around it may jump',
    );
  };
  const lifecycle = createLifecycle({ logger });
  lifecycle.listen();
  const abort = new AbortController();
  lifecycle.onStop('abort start-up', () => abort.abort());

  let store: EventStore | null = null;
  let bus: EventBus | null = null;
  let program: AppProgram | null = null;
  const pingOk = async (p: TE.TaskEither<InfrastructureError, void> | undefined): Promise<boolean> =>
    p !== undefined && E.isRight(await p());
  const readiness = createReadinessMonitor({
    intervalMs: 1000,
    gauge: metrics.ready,
    checks: {
      store: () => pingOk(store?.ping()),
      nats: () => pingOk(bus?.ping()),
      app: async () => {
        if (!program) return false;
        for (const check of Object.values(program.checks ?? {})) if (!(await check())) return false;
        return true;
      },
    },
    onChange: (ready, report) =>
      ready
        ? logger.info({ report }, 'ready')
        : logger.warn({ report }, 'not ready: new orders are held until the store and NATS answer'),
  });

  const health = await startHealthServer({
    host: config.httpHost,
    port: config.httpPort,
    readiness,
    metrics: metrics.registry,
    logger,
  })();
  if (E.isLeft(health)) {
    logger.fatal({ err: describeError(health.left) }, 'cannot serve health endpoints');
    return 1;
  }
  readiness.start();
  lifecycle.onStop('health server', () => health.right.close());
  lifecycle.onStop('readiness', () => readiness.stop());
  logger.info({ url: health.right.url }, 'health endpoints up');

  const retrying = <A>(what: string, fn: () => TE.TaskEither<KeelError, A>) =>
    retryWithBackoff(fn, {
      initialMs: 200,
      maxMs: 5000,
      factor: 2,
      until: abort.signal,
      onRetry: (err: KeelError, attempt: number, delayMs: number) =>
        logger.warn({ err: describeError(err), attempt, delayMs }, `${what} unavailable; retrying`),
    })();

  const storeUri = config.storeUri;
  const opened = await retrying('event store', () =>
    openEventStore(storeUri, {
      now: () => clock.right.now(),
      ...(config.storeUser !== ''
        ? { kurrentdb: { credentials: { username: config.storeUser, password: config.storePassword } } }
        : {}),
    }),
  );
  if (E.isLeft(opened)) return lifecycle.isShuttingDown() ? 0 : failStart(logger, opened.left);
  store = opened.right;
  lifecycle.onStop('event store', () => store?.close());

  const connected = await retrying('NATS', () =>
    connectNatsBus({
      servers: config.natsUrl.split(','),
      name: spec.name,
      logger,
      ...(config.natsUser ? { user: config.natsUser, password: config.natsPassword } : {}),
      ...(config.natsTlsCa ? { tlsCaFile: config.natsTlsCa } : {}),
      ...spec.bus?.(config),
    }),
  );
  if (E.isLeft(connected)) return lifecycle.isShuttingDown() ? 0 : failStart(logger, connected.left);
  bus = connected.right;
  lifecycle.onStop('NATS', () => bus?.close());

  // A start that fails for infrastructure reasons (a replay read, creating the durable while
  // other apps start at the same moment) left nothing running, so it is retried like the
  // connections above; any other failure is final.
  const ports: AppPorts = { store, bus, clock: clock.right, logger, metrics };
  const startOnce = rerunnableStart(metrics.registry, () => spec.start(ports, config));
  const attempt = await retrying('start-up', () => async () => {
    const r = await startOnce();
    return E.isLeft(r) && r.left._tag === 'InfrastructureError' ? r : E.right(r);
  });
  if (E.isLeft(attempt)) return lifecycle.isShuttingDown() ? 0 : failStart(logger, attempt.left);
  const started = attempt.right;
  if (E.isLeft(started)) {
    await lifecycle.shutdown('start-up failed');
    return failStart(logger, started.left);
  }
  program = started.right;
  if (lifecycle.isShuttingDown()) {
    // The signal came while the program was starting (a long replay): its stop step was not
    // registered yet, so stop it here or its consumer would keep the process alive.
    await program.stop();
    return (await lifecycle.done).clean ? 0 : 1;
  }
  lifecycle.onStop('program', () => program?.stop());
  await readiness.checkNow();
  logger.info('started');

  const report = await lifecycle.done;
  return report.clean ? 0 : 1;
};

const failStart = (logger: Logger, err: unknown): number => {
  const text = isKeelError(err) ? describeError(err) : String(err);
  logger.fatal({ err: text }, 'start-up failed');
  return isKeelError(err) && err._tag === 'ValidationError' ? 2 : 1;
};

const isKeelError = (e: unknown): e is KeelError => typeof e === 'object' && e !== null && '_tag' in e;

/** `main` of an app whose program is one folding app. */
export const runFoldingAppMain = <S>(app: FoldingApp<S>, defaultHttpPort: number): Promise<number> =>
  runMain({
    name: app.name,
    defaultHttpPort,
    start: async (ports, config) => {
      const started = await startFoldingApp(app, ports, { snapshotEvery: config.snapshotEvery });
      return E.map((running: RunningApp<S>) => ({
        checks: { events: async () => running.health().state === 'flowing' },
        stop: () => running.stop(),
      }))(started);
    },
  });
