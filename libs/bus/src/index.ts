export * from './lib/port';
export type { BusLogger } from './lib/bus.logger';
export { silentLogger } from './lib/bus.logger';
export type { NatsBusOptions } from './lib/nats.bus';
export { connectNatsBus } from './lib/nats.bus';
export type { BusRole, BusUser, Permissions } from './lib/nats.auth';
export { natsAuthorization, permissionsOf } from './lib/nats.auth';
export type { MemoryBusOptions } from './lib/memory.bus';
export { createMemoryBus } from './lib/memory.bus';
export { DEFAULT_ALARM_AFTER, MAX_RETRY_DELAY_MS } from './lib/delivery.policy';
export {
  DLQ_CONSUMER_HEADER,
  DLQ_DELIVERIES_HEADER,
  DLQ_REASON_HEADER,
  DLQ_SUBJECT_HEADER,
  MSG_ID_HEADER,
  parsePositionHeader,
  POSITION_HEADER,
  STORE_HEADER,
} from './lib/bus.headers';
export { createInProcessRequests } from './lib/in-process.requests';
export { acquireLease, LEASE_BUCKET, leaseKey } from './lib/lease';
export type { HeldLease, LeaseHooks } from './lib/lease';
