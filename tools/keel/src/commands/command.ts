/**
 * What every `keel` command is: a one-line summary for the help text and a run that takes
 * the arguments after the command's name and the CLI's I/O, and resolves to an exit code.
 * Its own module so the command files and the command table (index.ts) do not import each other.
 */
import { Io } from '../cli.io';

export interface Command {
  readonly summary: string;
  run(args: readonly string[], io: Io): Promise<number>;
}
