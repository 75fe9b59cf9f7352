// @keel/runtime: the kit every app is built from (clock, config, logging, metrics, health,
// lifecycle). The app start-up kit that wires them together is added under ./lib/app.
// The clock lives in @keel/clock (adapters and simulations import it alone); apps keep
// getting it from here.
export * from '@keel/clock';
export * from './lib/config/config.load';
export * from './lib/config/config.format';
export * from './lib/config/config.names';
export * from './lib/config/base-app.schema';
export * from './lib/logging/pino.logger';
export * from './lib/metrics/prom.metrics';
export * from './lib/health/checks.run';
export * from './lib/health/readiness.monitor';
export * from './lib/health/health.server';
export * from './lib/lifecycle/shutdown.lifecycle';
export * from './lib/lifecycle/parent.channel';
export * from './lib/lifecycle/retry.backoff';
export * from './lib/app/app.definition';
export * from './lib/app/folding-app.start';
export * from './lib/app/app.main';
export * from './lib/app/tally.projection';
export * from './lib/app/serial';
export * from './lib/app/ticker';
export * from './lib/app/command.handler';
export * from './lib/app/engine.run';
