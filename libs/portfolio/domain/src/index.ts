// @keel/portfolio-domain: the optimizer's pure core — its configuration, the fold of what it
// knows, and the decision pass (combine once per symbol, size per account, risk state).
export * from './lib/optimizer.config';
export * from './lib/optimizer.state';
export * from './lib/rebalance';
