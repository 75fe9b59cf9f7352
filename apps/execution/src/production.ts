/**
 * Production wiring of execution (docs/execution.md): its settings, and the engine of
 * @keel/execution-engine run by the runtime against NATS and the configured store. The
 * in-process simulation (libs/simulation) runs the same engine.
 */
import { Static, Type } from '@sinclair/typebox';
import { AppMainSpec, runEngine } from '@keel/runtime';
import { createExecutionEngine, EXECUTION_APP } from '@keel/execution-engine';
import { DEFAULT_POLICY } from '@keel/execution-domain';

const LIST = '^[A-Za-z0-9_.:@-]+(,[A-Za-z0-9_.:@-]+)*$';

export const ExecutionAppConfig = {
  accountIds: Type.String({
    default: 'sim-1',
    pattern: LIST,
    description: 'accounts this instance executes for, comma-separated; targets for others are rejected',
  }),
  tickMs: Type.Integer({
    default: 1000,
    minimum: 10,
    description: 'decision tick on the injected clock (slices, reprices, catch-up, sweep)',
  }),
  sliceSec: Type.Integer({
    default: 60,
    minimum: 1,
    description: 'TWAP slice length: a target gets round(horizon / slice) slices',
  }),
  maxSlices: Type.Integer({
    default: 240,
    minimum: 1,
    maximum: 10_000,
    description: 'most slices of one parent order',
  }),
  followUpAttempts: Type.Integer({
    default: 3,
    minimum: 0,
    maximum: 100,
    description:
      'follow-up parent orders for a target whose parent order ended at its deadline short of it (0: none; the target then stays missed until the next one)',
  }),
  followUpSec: Type.Integer({
    default: 120,
    minimum: 1,
    description: "horizon of a follow-up parent order, from when the last one's children are all closed",
  }),
  quoteMaxAgeMs: Type.Integer({
    default: 10_000,
    minimum: 100,
    description: 'a touch older than this (venue time) is not traded on',
  }),
  childValidityMs: Type.Integer({
    default: DEFAULT_POLICY.childValidityMs,
    minimum: 1000,
    description:
      "a child order request's validUntil after its decision: the gateway never sends one it sees later (a backlog after an outage)",
  }),
};
export type ExecutionAppSettings = {
  [K in keyof typeof ExecutionAppConfig]: Static<(typeof ExecutionAppConfig)[K]>;
};

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

export const executionMain: AppMainSpec<typeof ExecutionAppConfig> = {
  name: EXECUTION_APP,
  defaultHttpPort: 8083,
  config: ExecutionAppConfig,
  start: async (ports, config) => {
    const execution = createExecutionEngine(
      { store: ports.store, clock: ports.clock, logger: ports.logger, registry: ports.metrics.registry },
      {
        accounts: list(config.accountIds),
        sliceMs: config.sliceSec * 1000,
        maxSlices: config.maxSlices,
        ...(config.followUpAttempts > 0
          ? { followUp: { attempts: config.followUpAttempts, horizonMs: config.followUpSec * 1000 } }
          : {}),
        tickMs: config.tickMs,
        quoteMaxAgeMs: config.quoteMaxAgeMs,
        policy: {
          ...DEFAULT_POLICY,
          childValidityMs: config.childValidityMs,
          // Decisions are taken on ticks: a final sweep shorter than two ticks can fall between
          // them and never happen, leaving a residual at the deadline.
          finalSweepMs: Math.max(DEFAULT_POLICY.finalSweepMs, 2 * config.tickMs),
        },
      },
    );
    return runEngine(execution.engine, ports, { snapshotEvery: config.snapshotEvery })();
  },
};
