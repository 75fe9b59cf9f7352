// @keel/venue-sim/testing: the recorded market-data files under test-data/ and the
// instrument they are quoted on, for specs. Specs only.
export * from './sim.fixtures';
