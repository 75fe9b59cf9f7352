export * from './lib/errors';
export * from './lib/names';
export * from './lib/schema';
export * from './lib/catalog';
export * from './lib/envelope';
export * from './lib/codec';
export * from './lib/ids';
