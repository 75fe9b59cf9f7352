/**
 * The in-memory bus against the shared contract, plus what only it can show quickly:
 * the dedupe window expiring (its clock is injectable).
 */
import { createMemoryBus } from './memory.bus';
import { describeBusContract, eventually, run } from '../testing/bus.contract';
import { sampleEvent } from '../testing/sample.events';

describeBusContract('memory', async () => {
  const bus = createMemoryBus({ retryDelayMs: 20 });
  return { bus, dispose: () => bus.close() };
});

describe('memory bus', () => {
  it('drops a repeated id only within the dedupe window', async () => {
    let now = 0;
    const bus = createMemoryBus({ duplicateWindowMs: 1000, now: () => now });
    const e = sampleEvent('window', 1);
    await run(bus.publish([e]));
    await run(bus.publish([e]));
    now = 5000;
    await run(bus.publish([e]));
    const seen: number[] = [];
    const c = await run(bus.consume({ app: 'window' }, (ev) => void seen.push(ev.globalPosition)));
    await eventually('both copies judged', () => c.stats().received === 2);
    expect(seen).toEqual([1]);
    expect(c.stats().duplicates).toBe(1);
    await bus.close();
  });

  it('refuses work once closed', async () => {
    const bus = createMemoryBus();
    await bus.close();
    expect((await bus.publish([sampleEvent('closed', 1)])())._tag).toBe('Left');
    expect((await bus.ping()())._tag).toBe('Left');
  });
});
