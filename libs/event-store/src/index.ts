/**
 * @keel/event-store: the event store port (the source of truth), its adapters (memory,
 * embedded SQLite, KurrentDB/EventStoreDB) and the URI opener. The contract suite every
 * adapter runs is `@keel/event-store/testing`; the benchmark is `@keel/event-store/bench`.
 */
export * from './lib/port';
export * from './lib/store.reads';
export { openEventStore, parseEventStoreUri } from './lib/open-event-store';
export type { OpenEventStoreOptions, EventStoreLocation } from './lib/open-event-store';
export { createMemoryEventStore } from './lib/memory.store';
export type { MemoryEventStoreOptions } from './lib/memory.store';
export { openSqliteEventStore } from './lib/sqlite.store';
export type { SqliteEventStoreOptions } from './lib/sqlite.store';
export { openKurrentDbEventStore } from './lib/kurrentdb.store';
export type { KurrentDbEventStoreOptions } from './lib/kurrentdb.store';
export { openRawLogScanner, decodeRawEnvelope } from './lib/sqlite.raw-scan';
export type { RawLogScanner, RawLogRow } from './lib/sqlite.raw-scan';
export { bulkLoadSqlite } from './lib/sqlite.bulk-load';
export type { BulkEvent } from './lib/sqlite.bulk-load';
export { SubscriptionFailed } from './lib/catch-up.subscription';
export type { RawAppendHook, RawEventInput, TestableEventStore } from './lib/raw-append.hook';
