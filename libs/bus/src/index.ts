export * from './lib/port';
export type { BusLogger } from './lib/bus.logger';
export { silentLogger } from './lib/bus.logger';
export type { NatsBusOptions } from './lib/nats.bus';
export { connectNatsBus } from './lib/nats.bus';
export type { MemoryBusOptions } from './lib/memory.bus';
export { createMemoryBus } from './lib/memory.bus';
export { DEFAULT_MAX_DELIVER } from './lib/delivery.policy';
