// @keel/execution-domain/testing: builders and a given/when/then runner for the parent-order
// decider, for specs (this library's and the execution engine's). Specs only.
export * from './execution.fixtures';
