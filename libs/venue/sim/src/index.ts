export * from './lib/market.events';
export * from './lib/csv.readers';
export * from './lib/synthetic.market';
export * from './lib/slippage.model';
export * from './lib/sim.account';
export * from './lib/simulated.venue';
export * from './lib/sim.funding';
export * from './lib/sim.markets';
