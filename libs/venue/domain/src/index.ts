export * from './lib/venue.port';
export * from './lib/exact.decimal';
export * from './lib/instrument.rules';
export * from './lib/fees';
export * from './lib/order.lifecycle';
export * from './lib/instrument.presets';
export * from './lib/venue.weights';
export * from './lib/instrument.stored';
