/**
 * Runs readiness checks side by side, each under a timeout: a dependency that hangs reads
 * as "not ready" (with the reason) instead of hanging the probe. Timeouts are wall time on
 * purpose: probes are about the live process, whatever Clock its domain runs on.
 */
import { errorText } from '../shared/error.text';

/** A readiness check: resolves true when the dependency is usable. */
export type ReadinessCheck = () => Promise<boolean>;
export type ReadinessChecks = Readonly<Record<string, ReadinessCheck>>;

export interface CheckResult {
  readonly ok: boolean;
  /** Wall milliseconds the check took (up to the timeout). */
  readonly ms: number;
  /** Why it is not ok: "returned false", "timed out after 1000 ms", or the error message. */
  readonly error?: string;
}

export interface ReadinessReport {
  /** True only when every check is ok. */
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, CheckResult>>;
}

const runOne = async (check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> => {
  const started = performance.now();
  const took = (): number => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    // `Promise.resolve().then` also turns a check that throws synchronously into a rejection.
    const outcome = await Promise.race([Promise.resolve().then(check), timedOut]);
    if (outcome === 'timeout') return { ok: false, ms: took(), error: `timed out after ${timeoutMs} ms` };
    return outcome === true ? { ok: true, ms: took() } : { ok: false, ms: took(), error: 'returned false' };
  } catch (e) {
    return { ok: false, ms: took(), error: errorText(e) };
  } finally {
    clearTimeout(timer);
  }
};

/** Run every check concurrently; no checks means ready. */
export const runChecks = async (checks: ReadinessChecks, timeoutMs: number): Promise<ReadinessReport> => {
  const names = Object.keys(checks).sort();
  const results = await Promise.all(names.map((n) => runOne(checks[n] as ReadinessCheck, timeoutMs)));
  const byName = Object.fromEntries(names.map((n, i) => [n, results[i] as CheckResult]));
  return { ready: results.every((r) => r.ok), checks: byName };
};

/** "store: timed out after 1000 ms; nats: returned false" — the failing checks, for logs. */
export const describeFailures = (report: ReadinessReport): string =>
  Object.entries(report.checks)
    .filter(([, r]) => !r.ok)
    .map(([name, r]) => `${name}: ${r.error ?? 'not ok'}`)
    .join('; ');
