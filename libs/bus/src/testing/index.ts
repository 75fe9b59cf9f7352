// @keel/bus/testing: the contract suite every EventBus adapter runs, and its sample events.
// Specs only (the suite uses Jest globals).
export * from './bus.contract';
export * from './sample.events';
