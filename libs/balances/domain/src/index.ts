export * from './lib/balances.config';
export * from './lib/balances.state';
export * from './lib/haircuts';
export * from './lib/valuation';
export * from './lib/balances.settings';
