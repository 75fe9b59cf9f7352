/**
 * `keel contract asyncapi [--check]`: write docs/asyncapi.yaml from the event catalog
 * (@keel/contract), or with `--check` only compare: exit 1, naming the command to run, when the
 * checked-in file is not what the catalog gives today.
 */
import { ASYNCAPI_PATH, asyncApiDrift, renderAsyncApi } from '@keel/contract';
import { generatedFileCommand } from './generated-file.command';

export const contractAsyncApiCommand = generatedFileCommand({
  path: ASYNCAPI_PATH,
  render: renderAsyncApi,
  drift: asyncApiDrift,
  command: 'npm run --silent keel -- contract asyncapi',
});
