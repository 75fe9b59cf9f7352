// @keel/event-store/bench: the store benchmark `keel bench store` runs. Kept out of the
// library's index so no app loads it.
export { benchStore } from './bench-store';
export type { BenchStoreOptions, BenchStoreResult } from './bench-store';
