/**
 * Production wiring of the optimizer: its settings (the runtime's shared ones plus the
 * optimizer's configuration document, read from the JSON file `KEEL_CONFIG` names) and the
 * program that builds the engine (`@keel/portfolio-engine`) and runs it on the app's ports.
 * Nothing here decides. docs/optimizer.md describes every key.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { Static, TSchema, Type } from '@sinclair/typebox';
import { KeelError } from '@keel/events';
import {
  OPTIMIZER_APP,
  OptimizerConfigSchema,
  OptimizerConfigText,
  resolveOptimizerConfig,
} from '@keel/portfolio-domain';
import { createOptimizerEngine, OptimizerEngine } from '@keel/portfolio-engine';
import { AppMainSpec, AppPorts, AppProgram, runEngine } from '@keel/runtime';

/**
 * What the optimizer runs with when no file says otherwise: the paper session of `keel start`
 * (the simulated gateway's account `sim-1` on BTC/USDT:USDT, following the example model
 * `ma-cross` of `keel model ma-cross`).
 */
export const PAPER_CONFIG: OptimizerConfigText = {
  models: { 'ma-cross': { decay: 'linear' } },
  strategies: { trend: { models: { 'ma-cross': 1 }, method: 'signal', volTarget: null } },
  instruments: { 'BTC/USDT:USDT': { maxNotional: '50000' } },
  accounts: {
    'sim-1': {
      strategies: { trend: { budget: 1 } },
      leverage: 1,
      maxGrossLeverage: 2,
      maxNetLeverage: 2,
      dailyLossLimit: 0.05,
      maxDrawdown: 0.2,
      drawdownScaling: { start: 0.05, full: 0.15, floor: 0.25 },
      targetHorizonSec: 300,
    },
  },
  risk: { equityMaxAgeSec: 300, priceMaxAgeSec: 60, deadband: 0.001, hysteresis: 0.25, killSwitch: 'freeze' },
  tickMs: 1000,
};

const props = OptimizerConfigSchema.properties;
const withDefault = <S extends TSchema>(schema: S, value: unknown, description: string): S =>
  ({ ...schema, default: value, description }) as S;

export const OptimizerSettings = {
  models: withDefault(props.models, PAPER_CONFIG.models, 'model id → decay (docs/optimizer.md)'),
  strategies: withDefault(
    props.strategies,
    PAPER_CONFIG.strategies,
    'strategy → model weights, method, vol target',
  ),
  instruments: withDefault(
    props.instruments,
    PAPER_CONFIG.instruments,
    'instrument → caps (maxQty, maxNotional)',
  ),
  accounts: withDefault(
    props.accounts,
    PAPER_CONFIG.accounts,
    'account → strategy budgets, leverage, caps, risk limits',
  ),
  risk: withDefault(
    props.risk,
    PAPER_CONFIG.risk,
    'ages, deadband, hysteresis, pre-trade checks, kill switch mode',
  ),
  tickMs: withDefault(props.tickMs, PAPER_CONFIG.tickMs, 'decision tick on the injected clock (ms)'),
};
export type OptimizerSettingsValue = {
  [K in keyof typeof OptimizerSettings]: Static<(typeof OptimizerSettings)[K]>;
};

export interface OptimizerProgram extends AppProgram, Pick<OptimizerEngine, 'state' | 'position' | 'tick'> {}

/** Build the engine (a bad document is a ValidationError naming its key and value) and run it. */
export const startOptimizer = (
  ports: AppPorts,
  settings: OptimizerSettingsValue & { snapshotEvery: number },
): Promise<E.Either<KeelError, OptimizerProgram>> =>
  pipe(
    TE.fromEither(
      resolveOptimizerConfig({
        models: settings.models,
        strategies: settings.strategies,
        instruments: settings.instruments,
        accounts: settings.accounts,
        risk: settings.risk,
        tickMs: settings.tickMs,
      }),
    ),
    TE.map((config) => createOptimizerEngine(ports, config)),
    TE.chainW((optimizer) =>
      pipe(
        runEngine(optimizer.engine, ports, { snapshotEvery: settings.snapshotEvery }),
        TE.map((running): OptimizerProgram => ({
          state: optimizer.state,
          position: optimizer.position,
          tick: optimizer.tick,
          checks: running.checks,
          stop: running.stop,
        })),
      ),
    ),
  )();

export const optimizerMain: AppMainSpec<typeof OptimizerSettings> = {
  name: OPTIMIZER_APP,
  defaultHttpPort: 8082,
  config: OptimizerSettings,
  start: startOptimizer,
};
