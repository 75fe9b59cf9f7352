// @keel/venue-ccxt/testing: stand-in venue servers for tests that drive real ccxt (specs only).
export * from './fake-venue.server';
export * from './signatures';
export * from './binance-standin';
