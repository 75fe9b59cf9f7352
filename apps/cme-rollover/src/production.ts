/**
 * Production wiring of cme-rollover: its settings (decoded and named by the runtime) and the
 * program that builds the rollover engine (`@keel/rollover-engine`: calendars, policies,
 * decisions, tick) and runs it on the app's ports. Nothing here decides.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { Static, Type } from '@sinclair/typebox';
import { KeelError } from '@keel/events';
import { APP } from '@keel/rollover-domain';
import { createRolloverEngine, RolloverEngine } from '@keel/rollover-engine';
import { AppMainSpec, AppPorts, AppProgram, runEngine } from '@keel/runtime';

const LIST = '^$|^[A-Za-z0-9_.:@-]+(,[A-Za-z0-9_.:@-]+)*$';

export const RolloverConfig = {
  roots: Type.String({
    default: 'ES,GC',
    pattern: '^[A-Z0-9]{1,8}(,[A-Z0-9]{1,8})*$',
    description: 'owned CME roots, comma-separated (contracts 2024-02..2027-12 from @keel/calendar)',
  }),
  accountIds: Type.String({
    default: '',
    pattern: LIST,
    description: 'owned accounts, comma-separated; empty = every account with a CME:<ROOT> target',
  }),
  exposurePolicy: Type.String({
    default: 'weekend=0,dailyHalt=1,holiday=0,earlyClose=0,leadMinutes=30',
    description:
      'default exposure policy by market state: multipliers in [0, 1] and the lead before a reducing close',
  }),
  accountExposurePolicies: Type.String({
    default: '',
    description:
      "per-account overrides of exposurePolicy: 'acc-1:weekend=0.5,leadMinutes=60;acc-2:holiday=1'",
  }),
  rollPolicy: Type.String({
    default: '',
    description:
      "roll dates per root, business days before the anchor: 'GC:5/2,ES:8/2' (roll start / forced roll); empty = calendar defaults",
  }),
  tickMs: Type.Integer({ default: 60_000, minimum: 10, description: 'decision tick on the injected clock' }),
  targetHorizonSec: Type.Integer({
    default: 900,
    minimum: 1,
    description: 'horizon of a contract target (shortened to the next close while open)',
  }),
};
export type RolloverSettings = { [K in keyof typeof RolloverConfig]: Static<(typeof RolloverConfig)[K]> };

export interface RolloverProgram extends AppProgram, Pick<RolloverEngine, 'state' | 'position' | 'tick'> {}

/** Build the engine (a bad setting is a ValidationError naming its key) and run it. */
export const startRollover = (
  ports: AppPorts,
  config: RolloverSettings & { snapshotEvery: number },
): Promise<E.Either<KeelError, RolloverProgram>> =>
  pipe(
    TE.fromEither(createRolloverEngine(ports, config)),
    TE.chainW((rollover) =>
      pipe(
        runEngine(rollover.engine, ports, { snapshotEvery: config.snapshotEvery }),
        TE.map((running): RolloverProgram => ({
          state: rollover.state,
          position: rollover.position,
          tick: rollover.tick,
          checks: running.checks,
          stop: running.stop,
        })),
      ),
    ),
  )();

export const rolloverMain: AppMainSpec<typeof RolloverConfig> = {
  name: APP,
  defaultHttpPort: 8084,
  config: RolloverConfig,
  start: startRollover,
};
