/**
 * Progress bars on stderr for the CLI's long tasks (replays, the data generation of the
 * benchmarks): a count, a percentage, a rate and an ETA, so four minutes of work no longer
 * look like a hang. On a terminal, cli-progress redraws one line in place (at most 5 times a
 * second); when stderr is not a terminal (CI logs, specs, `2> file`) it writes a plain line
 * every 5 s and one at the end instead, so logs stay readable. Never touches stdout (the `--json` document).
 */
import { Format, SingleBar } from 'cli-progress';

export interface ProgressBar {
  /** `done` of `total` units; `events`, when given, is counted for the rate instead of `done`. */
  update(done: number, total: number, events?: number): void;
  /** End the bar (a final newline on a terminal). */
  done(): void;
}

export interface ProgressOptions {
  /** What is counted: `events`, `positions`, … (default `events`). */
  readonly unit?: string;
  readonly stream?: NodeJS.WriteStream;
}

/** How often a plain (not a terminal) progress line is written. */
export const PLAIN_EVERY_MS = 5_000;

const n = (x: number): string => Math.round(x).toLocaleString('en-US');

/** `1m 05s`, `42s`: cli-progress's own `eta_formatted` is used on a terminal. */
const eta = (seconds: number): string =>
  !Number.isFinite(seconds) || seconds < 0
    ? '?'
    : seconds >= 60
      ? `${Math.floor(seconds / 60)}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`
      : `${Math.round(seconds)}s`;

export const progressBar = (label: string, options: ProgressOptions = {}): ProgressBar => {
  const stream = options.stream ?? process.stderr;
  const unit = options.unit ?? 'events';
  const started = Date.now();
  const rateOf = (count: number): number => count / Math.max(1e-3, (Date.now() - started) / 1000);

  if (stream.isTTY === true) {
    const bar = new SingleBar({
      stream,
      fps: 5,
      hideCursor: true,
      etaBuffer: 40,
      format: `${label} [{bar}] {percentage}% {doneText}/{totalText} ${unit} | {rateText}/s | ETA {eta_formatted}`,
      formatValue: Format.ValueFormat,
      barsize: 30,
    });
    let begun = false;
    return {
      update: (done, total, events) => {
        const payload = { doneText: n(done), totalText: n(total), rateText: n(rateOf(events ?? done)) };
        if (!begun) {
          bar.start(total, done, payload);
          begun = true;
          return;
        }
        if (bar.getTotal() !== total) bar.setTotal(total);
        bar.update(done, payload);
      },
      done: () => {
        if (begun) bar.stop();
      },
    };
  }

  // Not a terminal: a line every PLAIN_EVERY_MS, and one at the end, so a short task prints
  // one line and a four-minute one about fifty.
  let lastLine = started;
  let finished = false;
  return {
    update: (done, total, events) => {
      const now = Date.now();
      const end = done >= total;
      if (finished || (!end && now - lastLine < PLAIN_EVERY_MS)) return;
      lastLine = now;
      finished = end;
      const f = total > 0 ? Math.min(1, done / total) : 1;
      const secs = (now - started) / 1000;
      const left = f > 0 ? (secs / f) * (1 - f) : Number.NaN;
      stream.write(
        `${label}: ${(f * 100).toFixed(0).padStart(3)}% ${n(done)}/${n(total)} ${unit}, ${n(rateOf(events ?? done))}/s, ${end ? `done in ${eta(secs)}` : `ETA ${eta(left)}`}\n`,
      );
    },
    done: () => undefined,
  };
};

/**
 * One bar per phase of a task that reports `(phase, done, total)` (the store benchmark): a new
 * phase ends the previous phase's bar and starts its own.
 */
export const phasedProgress = (
  label: string,
  options: ProgressOptions = {},
): { readonly update: (phase: string, done: number, total: number) => void; readonly done: () => void } => {
  let current: { readonly phase: string; readonly bar: ProgressBar } | undefined;
  return {
    update: (phase, done, total) => {
      if (current?.phase !== phase) {
        current?.bar.done();
        current = { phase, bar: progressBar(`${label}: ${phase}`, options) };
      }
      current.bar.update(done, total);
    },
    done: () => current?.bar.done(),
  };
};
