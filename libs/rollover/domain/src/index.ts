export * from './lib/roll.contracts';
export * from './lib/roll.state';
export * from './lib/roll.decide';
export * from './lib/exposure.policy';
export * from './lib/rollover-book.state';
export * from './lib/rollover-book.decide';
export * from './lib/rollover.config';
