/**
 * Test harness for execution's e2e and kill tests: the shared app harness (real nats-server,
 * real SQLite store, relay in the test process), the gateway as a child process on the venue
 * simulator replaying the recorded 1-second BBO file, execution as a child process, and
 * targets appended as the optimizer would.
 */
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, newEvent, RecordedEvent } from '@keel/events';
import { EventStore } from '@keel/event-store';
import { AppChild, AppHarness, readStream, spawnApp, workspaceRoot } from '@keel/app-testing';

export const INSTRUMENT = 'BTC/USDT:USDT';
/** One hour of recorded Binance USD-M BTCUSDT best bid/ask at 1 s (libs/venue/sim/test-data/README.md). */
export const BBO_1S = path.join(
  workspaceRoot,
  'libs/venue/sim/test-data/binance-usdm-btcusdt-bbo1s-2026-01-01T00-1h.csv.gz',
);

export const spawnSimGateway = (
  h: AppHarness,
  accountId: string,
  env: Record<string, string> = {},
): Promise<AppChild> =>
  spawnApp(h, 'gateway', {
    KEEL_ACCOUNT_IDS: accountId,
    KEEL_SIM_TRADES: '',
    KEEL_SIM_QUOTES: BBO_1S,
    KEEL_CYCLE_MS: '200',
    ...env,
  });

export const spawnExecution = (
  h: AppHarness,
  accountId: string,
  env: Record<string, string> = {},
): Promise<AppChild> =>
  spawnApp(h, 'execution', {
    KEEL_ACCOUNT_IDS: accountId,
    KEEL_TICK_MS: '200',
    KEEL_SLICE_SEC: '2',
    KEEL_SNAPSHOT_EVERY: '50',
    ...env,
  });

/** Append a TargetPositionSet as the optimizer would; returns its event id. `at` backdates it. */
export const setTarget = async (
  store: EventStore,
  d: EventData<'TargetPositionSet'>,
  tag: string,
  at: Date = new Date(),
): Promise<string> => {
  const id = deriveId('test-target', d.accountId, d.instrument, tag);
  const e = newEvent('TargetPositionSet', id, d, {
    correlationId: tag,
    causationId: null,
    producer: 'optimizer',
    occurredAt: at.toISOString(),
  });
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  const r = await store.append(`portfolio-${d.accountId}`, [e.right], 'any')();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return id;
};

/** The aggregate stream of (account, BTC/USDT:USDT), as execution names it. */
export const execStream = (accountId: string): string => `execution-${accountId}.BTC_USDT:USDT`;

export const ofType = <T extends RecordedEvent['type']>(
  es: readonly RecordedEvent[],
  type: T,
): RecordedEvent<T>[] => es.filter((e) => e.type === type) as unknown as RecordedEvent<T>[];

export const venueEvents = (store: EventStore, accountId: string): Promise<RecordedEvent[]> =>
  readStream(store, `venue-${accountId}`);
