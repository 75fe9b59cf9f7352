/**
 * Keeps an app's readiness current without making probes expensive: the checks run every
 * `intervalMs` in the background and /readyz reads the last result. On every transition
 * (and on the first result) `onChange` fires, which is where an app logs "store
 * unreachable → not ready" and stops sending orders until the dependency is back.
 */
import { Gauge } from 'prom-client';
import { ReadinessChecks, ReadinessReport, runChecks } from './checks.run';

export interface ReadinessMonitorOptions {
  readonly checks: ReadinessChecks;
  /** Wall ms between the end of one poll and the start of the next. */
  readonly intervalMs: number;
  /** Per-check timeout; default `intervalMs`. */
  readonly timeoutMs?: number;
  /** Called with the new state on the first result and on every flip. */
  readonly onChange?: (ready: boolean, details: ReadinessReport) => void;
  /** Kept at 1/0 with readiness (e.g. `KeelMetrics.ready`). */
  readonly gauge?: Gauge;
}

/** Background readiness polling with a cached last result. */
export interface ReadinessMonitor {
  /** Begin polling (the first poll starts at once). Idempotent. */
  start(): void;
  /** Stop polling; an in-flight poll finishes but reports nothing. */
  stop(): void;
  /** The last result's verdict; false before the first poll completes. */
  isReady(): boolean;
  /** The last result; undefined before the first poll completes. */
  last(): ReadinessReport | undefined;
  /** Poll now (also updates the cached state and may call `onChange`). */
  checkNow(): Promise<ReadinessReport>;
}

export const createReadinessMonitor = (options: ReadinessMonitorOptions): ReadinessMonitor => {
  const { checks, intervalMs, onChange, gauge } = options;
  const timeoutMs = options.timeoutMs ?? intervalMs;
  let last: ReadinessReport | undefined;
  let running = false;
  let timer: NodeJS.Timeout | undefined;

  const record = (report: ReadinessReport): void => {
    const previous = last;
    last = report;
    gauge?.set(report.ready ? 1 : 0);
    if (previous === undefined || previous.ready !== report.ready) onChange?.(report.ready, report);
  };

  const checkNow = async (): Promise<ReadinessReport> => {
    const report = await runChecks(checks, timeoutMs);
    record(report);
    return report;
  };

  const loop = async (): Promise<void> => {
    if (!running) return;
    const report = await runChecks(checks, timeoutMs);
    if (!running) return;
    try {
      record(report);
    } finally {
      // setTimeout after each poll (not setInterval) so slow checks never overlap; unref so
      // a monitor nobody stopped cannot keep the process alive. Scheduled even if onChange
      // threw: that error still surfaces (as an unhandled rejection), polling goes on.
      timer = setTimeout(() => void loop(), intervalMs);
      timer.unref();
    }
  };

  return {
    start: () => {
      if (running) return;
      running = true;
      void loop();
    },
    stop: () => {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    isReady: () => last?.ready ?? false,
    last: () => last,
    checkNow,
  };
};
