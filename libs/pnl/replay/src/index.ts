/**
 * @keel/pnl-replay: the PnL backfill and its checks against the live figures, on the lean
 * read path of the embedded store (or any store through the port).
 */
export * from './lib/log.source';
export * from './lib/pnl.extract';
export * from './lib/pnl.backfill';
export * from './lib/pnl.verify';
export * from './lib/synthetic.session';
export * from './lib/pnl.archive';
export * from './lib/pnl.archiver';
