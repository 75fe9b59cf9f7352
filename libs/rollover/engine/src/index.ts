// @keel/rollover-engine: cme-rollover's application layer (loads, decides, appends, ticks),
// written against ports so the app process and an in-process simulation run the same engine.
export * from './lib/rollover.engine';
