/**
 * @keel/pnl-engine: the application layer of the PnL context (the live producer of
 * PnlUpdated), written against ports so the balance-aggregator and a simulation run the same
 * object; and its projection, which `keel replay` folds to check the live snapshot.
 */
export * from './lib/pnl.projection';
export * from './lib/pnl.engine';
