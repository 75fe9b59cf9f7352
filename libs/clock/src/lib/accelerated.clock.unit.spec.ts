import * as E from 'fp-ts/Either';
import { createAcceleratedClock } from './accelerated.clock';
import { Clock } from './clock.port';
import { clockFromSettings } from './clock.factory';
import { createRealClock } from './real.clock';

const VIRTUAL_START = Date.parse('2024-03-01T00:00:00Z');
const clockOrThrow = (e: E.Either<unknown, Clock>): Clock => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

describe('accelerated clock', () => {
  it('runs factor× faster than wall time from the agreed origin', () => {
    let wall = 1_000_000;
    const clock = clockOrThrow(
      createAcceleratedClock({
        factor: 60,
        startAt: VIRTUAL_START,
        realStart: 1_000_000,
        realNow: () => wall,
      }),
    );
    expect(clock.now()).toBe(VIRTUAL_START);
    wall += 1000;
    expect(clock.now()).toBe(VIRTUAL_START + 60_000);
  });

  it('reads the same instant in two "processes" built from the same origin at different times', () => {
    let wall = 5_000;
    const realNow = () => wall;
    const first = clockOrThrow(
      createAcceleratedClock({ factor: 10, startAt: VIRTUAL_START, realStart: 5_000, realNow }),
    );
    wall = 7_345; // the second process starts later
    const second = clockOrThrow(
      createAcceleratedClock({ factor: 10, startAt: VIRTUAL_START, realStart: 5_000, realNow }),
    );
    expect(second.now()).toBe(first.now());
    expect(second.now()).toBe(VIRTUAL_START + 23_450);
  });

  it('scales sleeps and fires simultaneous timers in name order', async () => {
    const clock = clockOrThrow(createAcceleratedClock({ factor: 100, startAt: VIRTUAL_START }));
    const wallStart = Date.now();
    await clock.sleep(2000); // 20 ms of wall time
    const wallTaken = Date.now() - wallStart;
    expect(wallTaken).toBeGreaterThanOrEqual(15);
    expect(wallTaken).toBeLessThan(500);
    expect(clock.now()).toBeGreaterThanOrEqual(VIRTUAL_START + 2000);

    const fired: string[] = [];
    const at = clock.now() + 1000;
    await new Promise<void>((resolve) => {
      clock.setTimer('b', at, () => fired.push('b'));
      clock.setTimer('c', at, () => {
        fired.push('c');
        resolve();
      });
      clock.setTimer('a', at, () => fired.push('a'));
      const cancel = clock.setTimer('aa', at, () => fired.push('aa'));
      cancel();
    });
    expect(fired).toEqual(['a', 'b', 'c']);
  });

  it('rejects a factor that is not positive', () => {
    expect(createAcceleratedClock({ factor: 0, startAt: 0 })).toEqual(
      E.left({
        _tag: 'ValidationError',
        path: 'factor',
        value: 0,
        message: 'must be a number greater than 0',
      }),
    );
  });
});

describe('real clock', () => {
  it('reads wall time and fires timers', async () => {
    const clock = createRealClock();
    expect(Math.abs(clock.now() - Date.now())).toBeLessThanOrEqual(1);
    const start = clock.now();
    await clock.sleep(15);
    expect(clock.now() - start).toBeGreaterThanOrEqual(15);
  });
});

describe('clockFromSettings', () => {
  it('builds an accelerated clock from ISO settings shared by every process', () => {
    const wall = Date.parse('2025-06-01T12:00:10Z');
    const clock = clockOrThrow(
      clockFromSettings(
        {
          clock: 'accelerated',
          clockFactor: 6,
          clockStart: '2024-03-01T00:00:00Z',
          clockRealStart: '2025-06-01T12:00:00Z',
        },
        () => wall,
      ),
    );
    expect(new Date(clock.now()).toISOString()).toBe('2024-03-01T00:01:00.000Z');
  });

  it('starts virtual time at the wall start when clockStart is empty', () => {
    const clock = clockOrThrow(
      clockFromSettings(
        { clock: 'accelerated', clockFactor: 2, clockStart: '', clockRealStart: '' },
        () => 1000,
      ),
    );
    expect(clock.now()).toBe(1000);
  });

  it('names a timestamp it cannot read', () => {
    expect(
      clockFromSettings({
        clock: 'accelerated',
        clockFactor: 2,
        clockStart: '2024-13-45T00:00:00Z',
        clockRealStart: '',
      }),
    ).toEqual(
      E.left({
        _tag: 'ValidationError',
        path: 'clockStart',
        value: '2024-13-45T00:00:00Z',
        message: 'must be an ISO-8601 timestamp or empty',
      }),
    );
  });
});
