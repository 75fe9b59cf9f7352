// @keel/clock: the Clock port (time is a port) and its real, accelerated and virtual
// clocks. Its own small library so an adapter or a simulation that needs time does not
// pull in the app kit (@keel/runtime: pino, prom-client, an HTTP server), which
// re-exports it for apps.
export * from './lib/clock.port';
export * from './lib/real.clock';
export * from './lib/accelerated.clock';
export * from './lib/virtual.clock';
export * from './lib/clock.factory';
