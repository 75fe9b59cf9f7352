// @keel/bus/bench: the bus benchmark `keel bench bus` runs. Kept out of the library's index
// so no app loads it.
export type { BenchBusOptions, BenchBusResult } from './bench-bus';
export { benchBus } from './bench-bus';
