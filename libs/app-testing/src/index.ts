// @keel/app-testing: apps as child processes against a real nats-server, SQLite store and relay,
// for e2e and kill tests. Separate from @keel/testing, which the bus, store and relay specs use.
export * from './lib/app-harness';
