import * as E from 'fp-ts/Either';
import * as O from 'fp-ts/Option';
import fc from 'fast-check';
import { createVirtualClock } from './virtual.clock';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected Right, got ${JSON.stringify(e.left)}`);
  return e.right;
};

describe('virtual clock', () => {
  it('reads its start time until moved', () => {
    const clock = createVirtualClock(T0);
    expect(clock.now()).toBe(T0);
    expect(right(clock.advanceBy(1500))).toBe(0);
    expect(clock.now()).toBe(T0 + 1500);
  });

  it('fires due timers in (time, name) order, each at its own instant', () => {
    const clock = createVirtualClock(T0);
    const fired: string[] = [];
    const at = (name: string, t: number) =>
      clock.setTimer(name, T0 + t, () => fired.push(`${name}@${clock.now() - T0}`));
    at('b', 20);
    at('z', 10);
    at('a', 20);
    at('late', 100);
    expect(right(clock.advanceTo(T0 + 50))).toBe(3);
    expect(fired).toEqual(['z@10', 'a@20', 'b@20']);
    expect(clock.now()).toBe(T0 + 50);
    expect(clock.pending()).toBe(1);
    expect(clock.nextAt()).toEqual(O.some(T0 + 100));
  });

  it('fires timers scheduled by a firing timer at the same instant, in name order', () => {
    const clock = createVirtualClock(T0);
    const fired: string[] = [];
    clock.setTimer('m', T0 + 10, () => {
      fired.push('m');
      clock.setTimer('a', T0 + 10, () => fired.push('a')); // sorts before m, but m already fired
      clock.setTimer('n', T0 + 10, () => fired.push('n'));
      clock.setTimer('past', T0, () => fired.push(`past@${clock.now() - T0}`)); // due now, not back in time
    });
    clock.setTimer('z', T0 + 10, () => fired.push('z'));
    right(clock.advanceTo(T0 + 10));
    expect(fired).toEqual(['m', 'a', 'n', 'past@10', 'z']);
  });

  it('refuses to go backwards and stays where it was', () => {
    const clock = createVirtualClock(T0);
    right(clock.advanceTo(T0 + 1000));
    const back = clock.advanceTo(T0 + 999);
    expect(back).toEqual(
      E.left({
        _tag: 'IllegalStateError',
        message:
          'virtual clock cannot go backwards: now 2024-01-01T00:00:01.000Z (1704067201000), asked for 2024-01-01T00:00:00.999Z (1704067200999)',
      }),
    );
    expect(E.isLeft(clock.advanceBy(-1))).toBe(true);
    expect(clock.now()).toBe(T0 + 1000);
  });

  it('refuses to be advanced from inside a timer', () => {
    const clock = createVirtualClock(T0);
    let inner: E.Either<unknown, number> | undefined;
    clock.setTimer('t', T0 + 1, () => {
      inner = clock.advanceBy(5);
    });
    right(clock.advanceBy(10));
    expect(inner && E.isLeft(inner)).toBe(true);
  });

  it('does not fire cancelled timers', () => {
    const clock = createVirtualClock(T0);
    const fired: string[] = [];
    const cancel = clock.setTimer('x', T0 + 5, () => fired.push('x'));
    clock.setTimer('y', T0 + 5, () => fired.push('y'));
    cancel();
    cancel();
    expect(right(clock.advanceBy(10))).toBe(1);
    expect(fired).toEqual(['y']);
    expect(clock.pending()).toBe(0);
  });

  it('resolves sleep only when time is advanced past it', async () => {
    const clock = createVirtualClock(T0);
    let woke = false;
    const sleeping = clock.sleep(100).then(() => {
      woke = true;
    });
    await Promise.resolve();
    right(clock.advanceBy(99));
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false);
    right(clock.advanceBy(1));
    await sleeping;
    expect(woke).toBe(true);
  });

  it('runUntil lets async sleep loops resume at the right instant', async () => {
    const clock = createVirtualClock(T0);
    const seen: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 4; i++) {
        await clock.sleep(250);
        seen.push(clock.now() - T0);
      }
    };
    const running = loop();
    expect(right(await clock.runUntil(T0 + 900))).toBe(3);
    expect(seen).toEqual([250, 500, 750]);
    expect(clock.now()).toBe(T0 + 900);
    right(await clock.runUntil(T0 + 1000));
    await running;
    expect(seen).toEqual([250, 500, 750, 1000]);
  });

  it('runNext jumps to the earliest timer and fires only it', async () => {
    const clock = createVirtualClock(T0);
    const fired: string[] = [];
    clock.setTimer('b', T0 + 7, () => fired.push('b'));
    clock.setTimer('a', T0 + 7, () => fired.push('a'));
    expect(await clock.runNext()).toEqual(E.right(O.some({ name: 'a', at: T0 + 7 })));
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(T0 + 7);
    expect(await clock.runNext()).toEqual(E.right(O.some({ name: 'b', at: T0 + 7 })));
    expect(await clock.runNext()).toEqual(E.right(O.none));
    expect(clock.now()).toBe(T0 + 7);
  });
});

// ---- properties -------------------------------------------------------------------------

const timerArb = fc.record({
  name: fc.constantFrom('a', 'b', 'c', 'slice-1', 'slice-10', 'slice-2'),
  at: fc.integer({ min: 0, max: 1000 }),
});
type TimerSpec = { readonly name: string; readonly at: number };

// The order the port promises: by time, then name, then scheduling order.
const expectedOrder = (specs: readonly TimerSpec[]): string[] =>
  specs
    .map((s, i) => ({ ...s, i }))
    .sort((x, y) => x.at - y.at || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0) || x.i - y.i)
    .map((s) => `${s.at}:${s.name}:${s.i}`);

describe('virtual clock properties', () => {
  it('fires every timer exactly once, in (time, name, scheduling) order, at its own time, however time is advanced', () => {
    fc.assert(
      fc.property(
        fc.array(timerArb, { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 10 }),
        (specs, steps) => {
          const clock = createVirtualClock(0);
          const fired: string[] = [];
          specs.forEach((s, i) =>
            clock.setTimer(s.name, s.at, () => {
              expect(clock.now()).toBe(s.at);
              fired.push(`${s.at}:${s.name}:${i}`);
            }),
          );
          for (const step of steps) right(clock.advanceBy(step));
          right(clock.advanceTo(Math.max(clock.now(), 1000)));
          expect(fired).toEqual(expectedOrder(specs));
        },
      ),
    );
  });

  it('never moves backwards: now() is non-decreasing across timers and advances, and backward targets are refused', () => {
    fc.assert(
      fc.property(
        fc.array(timerArb, { maxLength: 30 }),
        fc.array(fc.integer({ min: -200, max: 1200 }), { minLength: 1, maxLength: 15 }),
        (specs, targets) => {
          const clock = createVirtualClock(0);
          const readings: number[] = [];
          for (const s of specs) clock.setTimer(s.name, s.at, () => readings.push(clock.now()));
          for (const t of targets) {
            const before = clock.now();
            const result = clock.advanceTo(t);
            if (t < before) {
              expect(E.isLeft(result)).toBe(true);
              expect(clock.now()).toBe(before);
            } else {
              expect(E.isRight(result)).toBe(true);
              expect(clock.now()).toBe(t);
            }
            readings.push(clock.now());
          }
          for (let i = 1; i < readings.length; i++)
            expect(readings[i]).toBeGreaterThanOrEqual(readings[i - 1] as number);
        },
      ),
    );
  });

  it('timers scheduled while firing keep the global order (cascades at the same or later instants)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.constantFrom('a', 'b', 'c'),
            at: fc.integer({ min: 0, max: 50 }),
            delay: fc.integer({ min: 0, max: 10 }),
          }),
          { maxLength: 20 },
        ),
        (specs) => {
          const clock = createVirtualClock(0);
          const fired: { at: number; name: string }[] = [];
          for (const s of specs)
            clock.setTimer(s.name, s.at, () => {
              fired.push({ at: clock.now(), name: s.name });
              // Each first-generation timer schedules a child; children of children do not.
              clock.setTimer(`${s.name}+`, clock.now() + s.delay, () =>
                fired.push({ at: clock.now(), name: `${s.name}+` }),
              );
            });
          right(clock.advanceTo(100));
          expect(fired).toHaveLength(specs.length * 2);
          for (let i = 1; i < fired.length; i++) {
            const p = fired[i - 1] as { at: number; name: string };
            const c = fired[i] as { at: number; name: string };
            expect(c.at).toBeGreaterThanOrEqual(p.at);
          }
        },
      ),
    );
  });
});
