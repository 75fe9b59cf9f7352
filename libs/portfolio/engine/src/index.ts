// @keel/portfolio-engine: the optimizer's application layer (folds, decides, appends, ticks),
// written against ports so the app process, the benchmark and a simulation run the same engine.
export * from './lib/optimizer.engine';
