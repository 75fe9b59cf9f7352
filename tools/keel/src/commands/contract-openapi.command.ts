/**
 * `keel contract openapi [--check]`: write docs/openapi.json, the predictions API's OpenAPI
 * document as prediction-ingest serves it at /openapi.json (@keel/prediction-intake), or with
 * `--check` only compare: exit 1, naming the command to run, when the checked-in file is stale.
 */
import { renderOpenApi } from '@keel/prediction-intake';
// The workspace's package.json version is the API document's version (data, not another project's code).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { version } from '../../../../package.json';
import { generatedFileCommand } from './generated-file.command';

export const OPENAPI_PATH = 'docs/openapi.json';

export const contractOpenApiCommand = generatedFileCommand({
  path: OPENAPI_PATH,
  render: () => renderOpenApi(version),
  command: 'npm run --silent keel -- contract openapi',
});
