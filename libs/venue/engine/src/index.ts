// @keel/venue-engine: the venue engine (venue.engine.ts: the gateway's application layer, run
// by the app and by the simulation) and the pieces it is composed of (see README.md).
export * from './lib/rate-budget';
export * from './lib/request-coalescer';
export * from './lib/order-placement';
export * from './lib/order-cancel';
export * from './lib/reconciliation';
export * from './lib/recent-window';
export * from './lib/market-data.throttle';
export * from './lib/account-snapshot';
export * from './lib/gateway.cycle';
export * from './lib/funding.record';
export * from './lib/command-gate';
export * from './lib/delivery-guard';
export * from './lib/instruments-listed';
export * from './lib/gateway.app';
export * from './lib/gateway.metrics';
export * from './lib/venue.engine';
