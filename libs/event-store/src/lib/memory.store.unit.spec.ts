import { createMemoryEventStore } from './memory.store';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { fill, right } from '../testing/event-store.fixtures';

describeEventStoreContract('memory', () => createMemoryEventStore());

describe('memory store', () => {
  it('stamps recordedAt from the injected clock', async () => {
    const store = createMemoryEventStore({ now: () => Date.UTC(2030, 0, 2, 3, 4, 5, 6) });
    await right(store.append('venue-a', [fill('m', 1)], 'any'));
    const [e] = await right(store.readStream('venue-a'));
    expect(e!.recordedAt).toBe('2030-01-02T03:04:05.006Z');
    await store.close();
  });

  it('keeps history safe from callers mutating what they wrote or read', async () => {
    const store = createMemoryEventStore();
    const e = fill('m', 1);
    const data = { ...e.data } as { qty: string };
    await right(store.append('venue-a', [{ ...e, data } as typeof e], 'any'));
    data.qty = '999';
    const [read] = await right(store.readStream('venue-a'));
    expect((read!.data as { qty: string }).qty).toBe('0.010');
    expect(() => {
      (read!.data as { qty: string }).qty = '5';
    }).toThrow();
    await store.close();
  });

  it('refuses calls after close', async () => {
    const store = createMemoryEventStore();
    await store.close();
    expect(await store.ping()()).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'InfrastructureError', op: 'ping' },
    });
  });
});
