// @keel/venue-engine/bench: the request-coalescing benchmark `keel bench coalescing` runs.
// Kept out of the library's index so no app loads it.
export * from './coalescing.bench';
export * from './account-log.bench';
