/**
 * Test harness for the gateway's e2e and kill tests: the shared app harness of @keel/testing
 * (real nats-server, real SQLite store, the relay in this process) with the gateway as a child
 * process, and commands appended as execution would.
 */
import * as E from 'fp-ts/Either';
import { deriveId, EventData, newEvent } from '@keel/events';
import { EventStore } from '@keel/event-store';
import { AppChild, AppHarness, spawnApp, startAppHarness } from '@keel/app-testing';

export { isReady, readStream, waitFor } from '@keel/app-testing';
export type Harness = AppHarness;
export type GatewayChild = AppChild;
export const startHarness = startAppHarness;
export const spawnGateway = (h: Harness, env: Record<string, string>): Promise<GatewayChild> =>
  spawnApp(h, 'gateway', env);

const meta = (tag: string) => ({
  correlationId: tag,
  causationId: null,
  producer: 'gateway-test',
  occurredAt: new Date().toISOString(),
});

/** Append a ChildOrderRequested as execution would (stream execution-<account>). */
export const requestOrder = async (store: EventStore, d: EventData<'ChildOrderRequested'>): Promise<void> => {
  const e = newEvent(
    'ChildOrderRequested',
    deriveId('test-child-order', d.accountId, d.clientOrderId),
    d,
    meta(d.clientOrderId),
  );
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  const r = await store.append(`execution-${d.accountId}`, [e.right], 'any')();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
};

export const requestCancel = async (
  store: EventStore,
  d: EventData<'ChildOrderCancelRequested'>,
): Promise<void> => {
  const e = newEvent(
    'ChildOrderCancelRequested',
    deriveId('test-cancel', d.accountId, d.clientOrderId),
    d,
    meta(d.clientOrderId),
  );
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  const r = await store.append(`execution-${d.accountId}`, [e.right], 'any')();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
};
