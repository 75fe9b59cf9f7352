export * from './lib/free-port';
export * from './lib/temp-dir';
export * from './lib/nats-server';
export * from './lib/decider-specification';
