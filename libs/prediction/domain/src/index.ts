// @keel/prediction-domain: what a model may send and what is recorded (pure).
export * from './lib/submission';
export * from './lib/admission';
export * from './lib/prediction.record';
export * from './lib/rate.limit';
export * from './lib/signature.header';
export * from './lib/intake.port';
