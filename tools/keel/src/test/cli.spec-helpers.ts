/** Helpers for the CLI commands' specs: an Io that captures what a command prints, and argument lists with one flag changed. */
import { Io } from '../cli.io';

export const captureIo = (): Io & { results: unknown[]; progressLines: string[] } => {
  const results: unknown[] = [];
  const progressLines: string[] = [];
  return {
    json: true,
    results,
    progressLines,
    progress: (m) => progressLines.push(m),
    result: (v) => results.push(v),
  };
};

/** `good` with `--name` set to `value` (appended when absent). */
export const withArg = (good: readonly string[], name: string, value: string): string[] => {
  const i = good.indexOf(`--${name}`);
  return i < 0 ? [...good, `--${name}`, value] : [...good.slice(0, i + 1), value, ...good.slice(i + 2)];
};
