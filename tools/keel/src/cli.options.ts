/**
 * How a command declares its flags: what `parseFlags` (cli.io.ts) parses and what
 * `keel <command> --help` (cli.help.ts) prints, from one declaration. Its own module, importing
 * nothing, so cli.io.ts and commands/command.ts do not import each other.
 */

/** One `--flag`: parseArgs' option config plus what the help says about it. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** What the flag does, for `keel <command> --help`. */
  readonly description?: string;
  /** The value's name in the help (`--events <n>`); `value` if absent. */
  readonly valueName?: string;
  /** Shown as the default in the help; the command applies it (intFlag's fallback etc.). */
  readonly defaultText?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;
