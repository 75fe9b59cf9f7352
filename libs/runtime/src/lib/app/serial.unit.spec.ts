import { serialQueue } from './serial';

describe('serialQueue', () => {
  it('runs work one at a time in call order, a failure not blocking the next', async () => {
    const serial = serialQueue();
    const log: string[] = [];
    const job = (name: string, ms: number, fail = false) =>
      serial(async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const a = job('a', 20);
    const b = job('b', 1, true);
    const c = job('c', 1);
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    await serial.idle();
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
