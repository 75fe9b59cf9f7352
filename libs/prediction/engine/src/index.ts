// @keel/prediction-engine: the prediction intake on ports (store, clock, logger).
export * from './lib/ingest.engine';
export * from './lib/instrument.universe';
