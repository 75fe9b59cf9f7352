/**
 * CLI output discipline: with `--json`, stdout carries exactly one JSON document and
 * nothing else; progress and logs always go to stderr. Errors name the argument and value
 * and exit non-zero.
 */
import { parseArgs, ParseArgsConfig } from 'node:util';
import type { OptionSpec } from './cli.options';

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

/** Flag declarations `parseFlags` takes: parseArgs' option config, plus help text (command.ts). */
type Options = Readonly<Record<string, OptionSpec>>;

type FlagValue<S> = S extends { readonly type: 'boolean' }
  ? S extends { readonly multiple: true }
    ? boolean[]
    : boolean
  : S extends { readonly multiple: true }
    ? string[]
    : string;

/** What parseFlags returns: each declared flag's value, undefined when not given. */
export type FlagValues<O extends Options> = { -readonly [K in keyof O]?: FlagValue<O[K]> } & {
  json?: boolean;
};

/**
 * `keel <command> --help` (or `-h`) inside a command's arguments: parseFlags throws this with
 * the flags it was given, and the CLI prints the command's help (exit 0). This is how a
 * command without declared `options` still gets a help listing its flags.
 */
export class HelpRequested extends Error {
  constructor(readonly options: Options) {
    super('help requested');
  }
}

/** Whether `--help`/`-h` is among the arguments (before a `--`). */
export const wantsHelp = (argv: readonly string[]): boolean => {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
};

/**
 * Parse a command's flags (node:util parseArgs, strict); an unknown flag or a missing value is
 * a UsageError naming it. `--help`/`-h` throws HelpRequested instead.
 */
export const parseFlags = <const O extends Options>(argv: readonly string[], options: O): FlagValues<O> => {
  if (wantsHelp(argv)) throw new HelpRequested(options);
  const config: NonNullable<ParseArgsConfig['options']> = { json: { type: 'boolean' } };
  for (const [name, o] of Object.entries(options))
    config[name] = {
      type: o.type,
      ...(o.short === undefined ? {} : { short: o.short }),
      ...(o.multiple === undefined ? {} : { multiple: o.multiple }),
    };
  try {
    return parseArgs({ args: [...argv], options: config, strict: true, allowPositionals: false })
      .values as FlagValues<O>;
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
