import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { createVirtualClock } from '@keel/clock';
import { backoffDelay, retryWithBackoff } from './retry.backoff';

type Down = { readonly _tag: 'Down'; readonly attempt: number };

// Fails `failures` times, then succeeds; records the virtual time of each attempt.
const flaky = (failures: number, now: () => number) => {
  const attempts: number[] = [];
  const fn = (): TE.TaskEither<Down, string> => () => {
    attempts.push(now());
    return Promise.resolve(
      attempts.length > failures ? E.right('connected') : E.left({ _tag: 'Down', attempt: attempts.length }),
    );
  };
  return { attempts, fn };
};

// Drive a virtual clock until the task settles (each wait is one timer).
const driveUntilSettled = async <A>(
  clock: ReturnType<typeof createVirtualClock>,
  task: Promise<A>,
): Promise<A> => {
  let settled = false;
  const result = task.finally(() => (settled = true));
  while (!settled) {
    await new Promise((r) => setImmediate(r));
    if (!settled) await clock.runNext();
  }
  return result;
};

describe('retryWithBackoff', () => {
  it('computes delays that grow by factor and cap at maxMs', () => {
    const o = { initialMs: 100, maxMs: 1000, factor: 2 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, o))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('retries on the clock with growing waits until the attempt succeeds', async () => {
    const clock = createVirtualClock(0);
    const { attempts, fn } = flaky(4, clock.now);
    const retries: [number, number][] = [];
    const result = await driveUntilSettled(
      clock,
      retryWithBackoff(fn, {
        initialMs: 100,
        maxMs: 500,
        factor: 2,
        clock,
        onRetry: (_e, attempt, delay) => retries.push([attempt, delay]),
      })(),
    );
    expect(result).toEqual(E.right('connected'));
    expect(attempts).toEqual([0, 100, 300, 700, 1200]);
    expect(retries).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 500],
    ]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const clock = createVirtualClock(0);
    const { fn } = flaky(10, clock.now);
    const result = await driveUntilSettled(
      clock,
      retryWithBackoff(fn, { initialMs: 10, maxMs: 10, factor: 1, maxAttempts: 3, clock })(),
    );
    expect(result).toEqual(E.left({ _tag: 'Down', attempt: 3 }));
  });

  it('stops waiting at once when aborted', async () => {
    const clock = createVirtualClock(0);
    const { attempts, fn } = flaky(10, clock.now);
    const controller = new AbortController();
    const task = retryWithBackoff(fn, {
      initialMs: 60_000,
      maxMs: 60_000,
      factor: 1,
      clock,
      until: controller.signal,
    })();
    await new Promise((r) => setImmediate(r));
    expect(clock.pending()).toBe(1);
    controller.abort();
    expect(await task).toEqual(
      E.left({ _tag: 'RetryAborted', attempts: 1, lastError: { _tag: 'Down', attempt: 1 } }),
    );
    expect(attempts).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });

  it('does not start when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { attempts, fn } = flaky(0, () => 0);
    expect(
      await retryWithBackoff(fn, { initialMs: 1, maxMs: 1, factor: 1, until: controller.signal })(),
    ).toEqual(E.left({ _tag: 'RetryAborted', attempts: 0 }));
    expect(attempts).toHaveLength(0);
  });

  it('jitters delays into [half, full) when given a random source', async () => {
    const clock = createVirtualClock(0);
    const { attempts, fn } = flaky(1, clock.now);
    await driveUntilSettled(
      clock,
      retryWithBackoff(fn, { initialMs: 1000, maxMs: 1000, factor: 2, clock, random: () => 0.5 })(),
    );
    expect(attempts).toEqual([0, 750]);
  });
});
