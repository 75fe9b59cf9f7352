/**
 * Production wiring of the optimizer: its settings (the runtime's shared ones plus the
 * optimizer's configuration document, read from the JSON file `KEEL_CONFIG` names) and the
 * program that builds the engine (`@keel/portfolio-engine`) and runs it on the app's ports.
 * Nothing here decides. docs/optimizer.md describes every key.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { Type } from '@sinclair/typebox';
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

/**
 * One setting, `optimizer`: the whole document, as the `optimizer` key of the JSON file
 * `KEEL_CONFIG` names (or `KEEL_OPTIMIZER` holding the JSON). Absent: the paper example.
 * Nested under one key so the document's own names (`instruments`, `accounts`) never meet
 * other apps' settings of the same name in a shared environment.
 */
export const OptimizerSettings = {
  optimizer: Type.Optional({
    ...OptimizerConfigSchema,
    description:
      'the optimizer document: models, strategies, instruments, accounts, risk, tickMs (docs/optimizer.md)',
  } as typeof OptimizerConfigSchema),
};
export type OptimizerSettingsValue = { readonly optimizer?: OptimizerConfigText };

/** The document the settings give: as written, or the paper example when none is given. */
export const documentOf = (
  s: OptimizerSettingsValue,
): { readonly doc: OptimizerConfigText; readonly example: boolean } =>
  s.optimizer === undefined ? { doc: PAPER_CONFIG, example: true } : { doc: s.optimizer, example: false };

/** The setting's name in error paths. */
const KEY = 'optimizer';

export interface OptimizerProgram extends AppProgram, Pick<OptimizerEngine, 'state' | 'position' | 'tick'> {}

/** Build the engine (a bad document is a ValidationError naming its key and value) and run it. */
export const startOptimizer = (
  ports: AppPorts,
  settings: OptimizerSettingsValue & { snapshotEvery: number },
): Promise<E.Either<KeelError, OptimizerProgram>> =>
  pipe(
    TE.fromEither(
      pipe(documentOf(settings), ({ doc, example }) => {
        if (example)
          ports.logger.warn(
            { accounts: Object.keys(PAPER_CONFIG.accounts) },
            'no optimizer document given (the `optimizer` key of KEEL_CONFIG): running the paper example',
          );
        return resolveOptimizerConfig(doc, KEY);
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
  validate: (settings) => resolveOptimizerConfig(documentOf(settings).doc, KEY),
  start: startOptimizer,
};
