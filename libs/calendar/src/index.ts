export * from './lib/local-date';
export * from './lib/holidays.data';
export * from './lib/business-days';
export * from './lib/products.data';
export * from './lib/contracts';
export * from './lib/holidays';
export * from './lib/market-state';
