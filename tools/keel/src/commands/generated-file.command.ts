/**
 * A command that writes one generated file of the repository (`keel contract asyncapi`,
 * `keel contract openapi`, `keel nats-auth`), or with `--check` only compares: exit 1, naming
 * the command to run, when the checked-in file is missing or stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFlags } from '../cli.io';
import { REPO_ROOT } from '../supervise/app-launch';
import type { Command, OptionSpecs } from './command';

const OPTIONS = {
  check: { type: 'boolean', description: 'write nothing; fail (exit 1) if the file on disk is stale' },
} as const satisfies OptionSpecs;

export interface GeneratedFile {
  /** Relative to the repository root. */
  readonly path: string;
  /** The file as it should be today. */
  readonly render: () => string | Promise<string>;
  /** Why the checked-in text is not `generated` (undefined: it is current); default names the command. */
  readonly drift?: (checkedIn: string | undefined, generated: string) => string | undefined;
  /** The command that writes it, for the `--check` message. */
  readonly command: string;
}

export const generatedFileCommand = (g: GeneratedFile): Command => ({
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const file = path.join(REPO_ROOT, g.path);
    const generated = await g.render();
    const onDisk = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (flags.check) {
      const problem = g.drift
        ? g.drift(onDisk, generated)
        : onDisk === generated
          ? undefined
          : `${g.path} is ${onDisk === undefined ? 'missing' : 'stale'}: run ${g.command}`;
      if (problem === undefined) {
        io.result({ path: g.path, current: true }, () => `${g.path} is current`);
        return 0;
      }
      io.progress(`keel: ${problem}`);
      if (io.json) io.result({ path: g.path, current: false, problem });
      return 1;
    }
    const changed = onDisk !== generated;
    if (changed) fs.writeFileSync(file, generated);
    io.result({ path: g.path, changed }, () =>
      changed ? `wrote ${g.path}` : `${g.path} was already current`,
    );
    return 0;
  },
});
