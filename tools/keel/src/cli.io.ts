/**
 * CLI output discipline: with `--json`, stdout carries exactly one JSON document and
 * nothing else; progress and logs always go to stderr. Errors name the argument and value
 * and exit non-zero.
 */
import { parseArgs, ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export interface Io {
  readonly json: boolean;
  /** Progress for humans: always stderr. */
  progress(msg: string): void;
  /** The command's result: JSON on stdout with --json, a readable form otherwise. */
  result(value: unknown, human?: (v: unknown) => string): void;
}

export const makeIo = (json: boolean): Io => ({
  json,
  progress: (msg) => process.stderr.write(`${msg}\n`),
  result: (value, human) =>
    process.stdout.write(
      json || !human ? `${JSON.stringify(value, null, json ? 0 : 2)}\n` : `${human(value)}\n`,
    ),
});

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parse a command's flags; an unknown flag or a missing value is a UsageError naming it. */
export const parseFlags = <O extends Options>(argv: readonly string[], options: O) => {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...options, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
};

/** A positive integer flag, or a UsageError naming the flag and value. */
export const intFlag = (name: string, value: string | undefined, fallback: number, min = 1): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min} (got ${JSON.stringify(value)})`);
  return n;
};

/**
 * `--qty -3` must reach the command's own check (and its message), not parseArgs'
 * "ambiguous" error: join a flag and a negative number that follows it as `--flag=-3`.
 */
export const joinNegativeValues = (args: readonly string[]): string[] => {
  const argv: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = args[i + 1];
    if (/^--[a-z-]+$/.test(a) && next !== undefined && /^-\d/.test(next)) {
      argv.push(`${a}=${next}`);
      i++;
    } else argv.push(a);
  }
  return argv;
};
