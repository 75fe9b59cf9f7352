/**
 * The wall-driven clock across system clock steps, on real timers: the wall source is the
 * real one plus an offset the test moves, the monotonic one is the real `performance.now`.
 */
import { createWallDrivenClock } from './wall.clock';

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const steppable = () => {
  let offset = 0;
  const steps: number[] = [];
  const clock = createWallDrivenClock({
    now: () => Date.now() + offset,
    wallDelay: (ms) => ms,
    onStep: (s) => void steps.push(s),
  });
  return { clock, steps, step: (ms: number) => void (offset += ms) };
};

describe('the wall-driven clock when the system clock steps', () => {
  it('a sleep started before a 6 s backward step still wakes after its own duration, and the step is reported', async () => {
    const { clock, steps, step } = steppable();
    const t0 = performance.now();
    const slept = clock.sleep(300);
    await wait(50);
    step(-6000);
    await slept;
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(295);
    expect(took).toBeLessThan(2000); // not 6.3 s
    expect(steps).toHaveLength(1);
    expect(steps[0]).toBeLessThanOrEqual(-5900);
  });

  it('a timer due by the wall fires at once after a forward step', async () => {
    const { clock, step } = steppable();
    const t0 = performance.now();
    let fired = false;
    clock.setTimer('later', clock.now() + 5000, () => (fired = true));
    await wait(50);
    step(6000);
    // Armed for 5 s: it fires when it next wakes, or at once if the queue is re-armed.
    clock.setTimer('nudge', clock.now(), () => undefined);
    for (let i = 0; i < 50 && !fired; i++) await wait(20);
    expect(fired).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('keeps the (time, name) order of timers due at the same instant, and reports no step when there is none', async () => {
    const { clock, steps } = steppable();
    const order: string[] = [];
    const at = clock.now() + 100;
    clock.setTimer('b', at, () => order.push('b'));
    clock.setTimer('a', at, () => order.push('a'));
    clock.setTimer('c', at - 50, () => order.push('c'));
    await wait(300);
    expect(order).toEqual(['c', 'a', 'b']);
    expect(steps).toEqual([]);
  });
});
