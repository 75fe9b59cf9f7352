// @keel/event-store/testing: the contract suite every EventStore adapter runs, and the event
// builders and Either helpers it uses. Specs only (the suite uses Jest globals).
export * from './event-store.contract';
export * from './event-store.fixtures';
