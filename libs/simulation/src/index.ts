// @keel/simulation: one in-process kernel (virtual clock, store, store-tail bus) hosting the
// same engines as the app processes, and the runs built on it (twap-sim, roll-sim).
export * from './lib/store-tail.bus';
export * from './lib/simulation.kernel';
export * from './lib/twap.run';
export * from './lib/bars';
export * from './lib/market-hours';
export * from './lib/roll.run';
