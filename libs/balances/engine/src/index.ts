export * from './lib/balances.engine';
