/**
 * Orderly shutdown. Components register a stop step as they start; on SIGTERM/SIGINT the
 * steps run one at a time in reverse order (last started, first stopped: stop taking
 * work, drain, flush, close the store), each bounded by a timeout so one stuck dependency
 * cannot hold the process hostage. Then `done` resolves and the app's main maps it to an
 * exit code. A second signal means the operator has lost patience: exit at once. An app a
 * supervisor started with an IPC channel also stops when that channel closes (the
 * supervisor is gone): see parent.channel.ts.
 */
import * as os from 'node:os';
import { Logger } from '../logging/pino.logger';
import { errorText } from '../shared/error.text';
import { ParentChannelProcess, stopWhenParentGone } from './parent.channel';

/** A stop step: anything returning a promise. A TaskEither's Left counts as a failure. */
export type StopStep = () => Promise<unknown> | void;

export interface StepResult {
  readonly name: string;
  readonly outcome: 'stopped' | 'failed' | 'timed out';
  readonly ms: number;
  readonly error?: string;
}

export interface ShutdownReport {
  /** What started the shutdown: a signal name or the reason given to `shutdown`. */
  readonly reason: string;
  /** In the order they ran (reverse of registration). */
  readonly steps: readonly StepResult[];
  /** Every step stopped within its timeout. */
  readonly clean: boolean;
}

export interface LifecycleOptions {
  readonly logger: Logger;
  /** Per-step timeout unless the step sets its own; default 10 000 ms. */
  readonly stepTimeoutMs?: number;
  /** How a second signal ends the process; default `process.exit`. Replaced in tests. */
  readonly forceExit?: (code: number) => void;
  /**
   * Whose IPC channel `listen` watches (its close starts shutdown, like a first signal);
   * default `process`, `null` for none. Replaced in tests.
   */
  readonly parent?: ParentChannelProcess | null;
}

/** Registers stop steps and runs them, once, when the process is asked to stop. */
export interface Lifecycle {
  /** Register a step; steps run in reverse order of registration. */
  onStop(name: string, step: StopStep, options?: { readonly timeoutMs?: number }): void;
  /** Start shutting down (as a first signal does). Idempotent: later calls get the same run. */
  shutdown(reason: string): Promise<ShutdownReport>;
  /** Resolves when shutdown has finished; the app awaits it, then exits. */
  readonly done: Promise<ShutdownReport>;
  /** True from the first signal (or `shutdown` call) on. */
  isShuttingDown(): boolean;
  /** What a signal does: the first starts shutdown, the second forces exit. */
  handleSignal(signal: NodeJS.Signals): void;
  /**
   * Install `handleSignal` for these signals on the process, and a shutdown when the
   * supervisor's IPC channel (if the process has one) closes; returns the uninstaller.
   */
  listen(signals?: readonly NodeJS.Signals[]): () => void;
}

interface Registered {
  readonly name: string;
  readonly step: StopStep;
  readonly timeoutMs: number;
}

// A TaskEither's result is an Either; a Left means the step failed without throwing.
const isLeft = (v: unknown): v is { readonly _tag: 'Left'; readonly left: unknown } =>
  typeof v === 'object' && v !== null && (v as { _tag?: unknown })._tag === 'Left';

const describeLeft = (left: unknown): string => {
  if (typeof left === 'object' && left !== null && 'message' in left)
    return String((left as { message: unknown }).message);
  return JSON.stringify(left) ?? String(left);
};

const runStep = async ({ name, step, timeoutMs }: Registered): Promise<StepResult> => {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ readonly timeout: true }>((resolve) => {
    timer = setTimeout(() => resolve({ timeout: true }), timeoutMs);
  });
  try {
    const result = await Promise.race([
      Promise.resolve()
        .then(step)
        .then((value) => ({ value })),
      timedOut,
    ]);
    if ('timeout' in result)
      return { name, outcome: 'timed out', ms: ms(), error: `did not finish within ${timeoutMs} ms` };
    if (isLeft(result.value))
      return { name, outcome: 'failed', ms: ms(), error: describeLeft(result.value.left) };
    return { name, outcome: 'stopped', ms: ms() };
  } catch (e) {
    return { name, outcome: 'failed', ms: ms(), error: errorText(e) };
  } finally {
    clearTimeout(timer);
  }
};

/** Conventional exit status for death by signal: 128 + its number (SIGINT → 130, SIGTERM → 143). */
export const signalExitCode = (signal: NodeJS.Signals): number => 128 + (os.constants.signals[signal] ?? 0);

export const createLifecycle = (options: LifecycleOptions): Lifecycle => {
  const { logger } = options;
  const defaultTimeoutMs = options.stepTimeoutMs ?? 10_000;
  const forceExit = options.forceExit ?? ((code: number) => process.exit(code));
  const steps: Registered[] = [];
  let run: Promise<ShutdownReport> | undefined;
  let resolveDone: (report: ShutdownReport) => void = () => undefined;
  const done = new Promise<ShutdownReport>((resolve) => {
    resolveDone = resolve;
  });

  const shutdown = (reason: string): Promise<ShutdownReport> => {
    run ??= (async () => {
      logger.info({ reason, steps: steps.length }, 'shutting down');
      const results: StepResult[] = [];
      // Snapshot in reverse: a step registered during shutdown is not run (it started too late).
      for (const s of [...steps].reverse()) {
        const r = await runStep(s);
        results.push(r);
        if (r.outcome === 'stopped') logger.info({ step: r.name, ms: r.ms }, 'stopped');
        else
          logger.error(
            { step: r.name, ms: r.ms, outcome: r.outcome, error: r.error },
            `stop step ${r.outcome}`,
          );
      }
      const report: ShutdownReport = {
        reason,
        steps: results,
        clean: results.every((r) => r.outcome === 'stopped'),
      };
      logger.info({ reason, clean: report.clean }, 'shutdown complete');
      resolveDone(report);
      return report;
    })();
    return run;
  };

  const handleSignal = (signal: NodeJS.Signals): void => {
    if (run) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      forceExit(signalExitCode(signal));
      return;
    }
    void shutdown(signal);
  };

  return {
    onStop: (name, step, stepOptions) => {
      if (run) logger.warn({ step: name }, 'stop step registered during shutdown: it will not run');
      steps.push({ name, step, timeoutMs: stepOptions?.timeoutMs ?? defaultTimeoutMs });
    },
    shutdown,
    done,
    isShuttingDown: () => run !== undefined,
    handleSignal,
    listen: (signals = ['SIGTERM', 'SIGINT']) => {
      const handler = (signal: NodeJS.Signals): void => handleSignal(signal);
      for (const s of signals) process.on(s, handler);
      const parent = options.parent === undefined ? process : options.parent;
      const unwatch = parent ? stopWhenParentGone(shutdown, logger, parent) : () => undefined;
      return () => {
        for (const s of signals) process.off(s, handler);
        unwatch();
      };
    },
  };
};

/** A named stop step, for `onShutdown`. */
export interface NamedStopStep {
  readonly name: string;
  readonly stop: StopStep;
  readonly timeoutMs?: number;
}

/**
 * Shorthand: a lifecycle with these steps (in start order), listening for `signals`.
 * Await `.done` in main; more steps can still be added with `onStop`.
 */
export const onShutdown = (
  signals: readonly NodeJS.Signals[],
  steps: readonly NamedStopStep[],
  options: LifecycleOptions,
): Lifecycle => {
  const lifecycle = createLifecycle(options);
  for (const s of steps)
    lifecycle.onStop(s.name, s.stop, s.timeoutMs === undefined ? undefined : { timeoutMs: s.timeoutMs });
  lifecycle.listen(signals);
  return lifecycle;
};
