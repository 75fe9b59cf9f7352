/**
 * Keel's published event contract, made from the catalog (@keel/events): the AsyncAPI 3
 * document (docs/asyncapi.yaml) and the schema-compatibility check against the last
 * released catalog (tools/contract/released/).
 */
export type { EventDefinitionsLike } from './asyncapi';
export { asyncApiDocument } from './asyncapi';
export { ASYNCAPI_COMMAND, ASYNCAPI_PATH, asyncApiDrift, renderAsyncApi } from './asyncapi.render';
export { COMPATIBILITY_HINT, compatibilityProblems, formatProblem } from './compat';
export type { CompatibilityOptions, Problem } from './compat';
export {
  readReleasedCatalog,
  readReleasedCatalogs,
  releaseCatalog,
  releasedCatalogPath,
  releasedCatalogPaths,
  RELEASED_DIR,
  workspaceVersion,
  writeReleasedCatalog,
} from './released';
export type { ReleasedCatalog, ReleasedEvent } from './released';
