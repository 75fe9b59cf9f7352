/**
 * `keel contract asyncapi [--check]`: write docs/asyncapi.yaml from the event catalog
 * (@keel/contract), or with `--check` only compare: exit 1, naming the command to run, when the
 * checked-in file is not what the catalog gives today.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ASYNCAPI_PATH, asyncApiDrift, renderAsyncApi } from '@keel/contract';
import { parseFlags } from '../cli.io';
import type { Command, OptionSpecs } from './command';

const root = path.resolve(__dirname, '../../../..');

const readIfExists = (file: string): string | undefined =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;

const OPTIONS = {
  check: { type: 'boolean', description: 'write nothing; fail (exit 1) if the document on disk is stale' },
} as const satisfies OptionSpecs;

export const contractAsyncApiCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const file = path.join(root, ASYNCAPI_PATH);
    const generated = renderAsyncApi();
    if (flags.check) {
      const drift = asyncApiDrift(readIfExists(file), generated);
      if (drift === undefined) {
        io.result({ path: ASYNCAPI_PATH, current: true }, () => `${ASYNCAPI_PATH} is current`);
        return 0;
      }
      io.progress(`keel: ${drift}`);
      if (io.json) io.result({ path: ASYNCAPI_PATH, current: false, problem: drift });
      return 1;
    }
    const changed = readIfExists(file) !== generated;
    if (changed) fs.writeFileSync(file, generated);
    io.result({ path: ASYNCAPI_PATH, changed }, () =>
      changed ? `wrote ${ASYNCAPI_PATH}` : `${ASYNCAPI_PATH} was already current`,
    );
    return 0;
  },
};
