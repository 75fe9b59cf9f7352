// @keel/rollover-domain/testing: the GC 2025 contract calendar, Chicago-time instants and a
// command runner for the roll decider, for specs. Specs only.
export * from './roll.fixtures';
