import * as E from 'fp-ts/Either';
import { acquireLease, memoryLeases } from './lease';
import { LeaseClaim } from './port';

const claimed = (r: E.Either<unknown, LeaseClaim>) => (E.isRight(r) ? r.right : r);

describe('leases within one process (the memory bus)', () => {
  it('one owner at a time: another is refused until the ttl passes without a renewal; holds() lapses at two thirds of it', async () => {
    let now = 0;
    const table = new Map<string, { owner: string; at: number }>();
    const a = memoryLeases({ bucket: 'b', ttlMs: 900, owner: 'A' }, table, () => now);
    const b = memoryLeases({ bucket: 'b', ttlMs: 900, owner: 'B' }, table, () => now);
    expect(claimed(await a.claim('k')())).toEqual({ held: true });
    expect(claimed(await b.claim('k')())).toEqual({ held: false, owner: 'A' });
    now = 500;
    expect(a.holds('k')).toBe(true);
    expect(claimed(await a.claim('k')())).toEqual({ held: true });
    now = 1099;
    expect(a.holds('k')).toBe(true);
    now = 1100;
    expect(a.holds('k')).toBe(false);
    expect(claimed(await b.claim('k')())).toEqual({ held: false, owner: 'A' });
    now = 1400;
    expect(claimed(await b.claim('k')())).toEqual({ held: true });
    expect(claimed(await a.claim('k')())).toEqual({ held: false, owner: 'B' });
    await b.release('k')();
    expect(claimed(await a.claim('k')())).toEqual({ held: true });
  });

  it('acquireLease waits as a standby, reports who holds the key once, and returns null when told to stop', async () => {
    const table = new Map<string, { owner: string; at: number }>();
    const a = memoryLeases({ bucket: 'b', ttlMs: 30, owner: 'A' }, table);
    const b = memoryLeases({ bucket: 'b', ttlMs: 30, owner: 'B' }, table);
    const held = await acquireLease(a, 'k', {
      waiting: () => undefined,
      lost: () => undefined,
      stopped: () => false,
    });
    expect(held).not.toBeNull();
    const waiting: (string | null)[] = [];
    let stop = false;
    const standby = acquireLease(b, 'k', {
      waiting: (o) => waiting.push(o),
      lost: () => undefined,
      stopped: () => stop,
    });
    await new Promise((r) => setTimeout(r, 100));
    // a renews every 10 ms: b is still waiting, told once who holds it.
    expect(waiting).toEqual(['A']);
    stop = true;
    expect(await standby).toBeNull();
    await held!.release();
    const taken = await acquireLease(b, 'k', {
      waiting: () => undefined,
      lost: () => undefined,
      stopped: () => false,
    });
    expect(taken).not.toBeNull();
    await taken!.release();
  });
});
