/**
 * What every `keel` command is: a run that takes the arguments after the command's name and
 * the CLI's I/O and resolves to an exit code, plus what its help prints (a summary, and the
 * options it takes with their descriptions and defaults). Its own module so the command files
 * and the command table (index.ts) do not import each other.
 *
 * A command declares `options` and parses its arguments with `parseFlags(args, options)`, so
 * the help and the parser read one declaration. A command that still passes its own parseArgs
 * options to `parseFlags` keeps working: `--help` then lists the flags parseFlags was given.
 */
import type { Io } from '../cli.io';
import type { OptionSpecs } from '../cli.options';

export type { OptionSpec, OptionSpecs } from '../cli.options';

export interface Command {
  /** One line for `keel --help` (a lazy table entry may carry it instead). */
  readonly summary?: string;
  /** Further lines for `keel <command> --help`: usage examples, what the output is. */
  readonly description?: string;
  /** The command's flags; `--json` and `--help` are added by the CLI. */
  readonly options?: OptionSpecs;
  run(args: readonly string[], io: Io): Promise<number>;
}

/**
 * A command table entry whose module is imported only when the command runs (or its help is
 * asked for), so `keel --help` and small commands do not load ccxt, SQLite or NATS.
 */
export interface LazyCommand {
  readonly summary: string;
  /** Left out of `keel --help` (e.g. `keel app`, which process supervisors use). */
  readonly hidden?: boolean;
  load(): Promise<Command>;
}

export type CommandEntry = Command | LazyCommand;

export const lazy = (summary: string, load: () => Promise<Command>, hidden = false): LazyCommand => ({
  summary,
  load,
  hidden,
});

export const isLazy = (e: CommandEntry): e is LazyCommand => 'load' in e && typeof e.load === 'function';
