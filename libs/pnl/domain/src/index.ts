/**
 * @keel/pnl-domain: average-cost PnL per account × instrument, as one pure fold shared by the
 * live balance-aggregator (PnlUpdated checkpoints) and the replay backfill (interval rows).
 */
export * from './lib/pnl.math';
export * from './lib/pnl.time';
export * from './lib/pnl.ledger';
export * from './lib/pnl.interval';
export * from './lib/pnl.events';
export * from './lib/pnl.fixed';
export * from './lib/pnl.fast';
export * from './lib/pnl.equity';
