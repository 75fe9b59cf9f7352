// @keel/execution-engine: execution's application layer (targets, ticks, start-up
// reconciliation, venue facts), written against ports; the app and the simulation run it.
export * from './lib/execution.engine';
