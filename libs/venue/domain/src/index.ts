// @keel/venue-domain: the venue port, the venue's order rules and lifecycle, fees and rate
// weights. The instrument types, grid rounding, stored codec and presets are a shared
// contract (@keel/instruments), re-exported here for the venue context's own users.
export * from '@keel/instruments';
export * from './lib/venue.port';
export * from './lib/instrument.rules';
export * from './lib/fees';
export * from './lib/order.lifecycle';
export * from './lib/venue.weights';
