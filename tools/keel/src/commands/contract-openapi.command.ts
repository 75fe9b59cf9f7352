/**
 * `keel contract openapi [--check]`: write docs/openapi.json, the predictions API's OpenAPI
 * document as prediction-ingest serves it at /openapi.json (@keel/prediction-intake), or with
 * `--check` only compare: exit 1, naming the command to run, when the checked-in file is stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderOpenApi } from '@keel/prediction-intake';
// The workspace's package.json version is the API document's version (data, not another project's code).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { version } from '../../../../package.json';
import { parseFlags } from '../cli.io';
import type { Command, OptionSpecs } from './command';

export const OPENAPI_PATH = 'docs/openapi.json';
const root = path.resolve(__dirname, '../../../..');

const OPTIONS = {
  check: { type: 'boolean', description: 'write nothing; fail (exit 1) if the document on disk is stale' },
} as const satisfies OptionSpecs;

export const contractOpenApiCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const file = path.join(root, OPENAPI_PATH);
    const generated = await renderOpenApi(version);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (flags.check) {
      if (current === generated) {
        io.result({ path: OPENAPI_PATH, current: true }, () => `${OPENAPI_PATH} is current`);
        return 0;
      }
      const problem = `${OPENAPI_PATH} is ${current === undefined ? 'missing' : 'stale'}: run npm run --silent keel -- contract openapi`;
      io.progress(`keel: ${problem}`);
      if (io.json) io.result({ path: OPENAPI_PATH, current: false, problem });
      return 1;
    }
    if (current !== generated) fs.writeFileSync(file, generated);
    io.result({ path: OPENAPI_PATH, changed: current !== generated }, () =>
      current !== generated ? `wrote ${OPENAPI_PATH}` : `${OPENAPI_PATH} was already current`,
    );
    return 0;
  },
};
