// @keel/venue-engine/testing: a counting stand-in venue adapter for specs (and the
// coalescing bench), which records each call the gateway's pieces make. Specs only.
export * from './counting.adapter';
export * from './engine.settings';
