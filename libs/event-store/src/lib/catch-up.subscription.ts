/**
 * The catch-up-then-live subscription shared by the memory and SQLite adapters: read the
 * log page by page from a position; at the head, wait for a same-process append (a
 * `ChangeSignal`) or, for writers in other processes, a poll interval; then read on.
 * Reading by position (never by pushed event) is what makes it gap- and duplicate-free:
 * events appended while catching up are simply further along the log.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { describeError, RecordedEvent } from '@keel/events';
import { ReadAllOptions, ReadAllPage, ReadError, SubscribeAllOptions, Subscription } from './port';

/** Wakes waiting subscriptions when this process appended; `version` closes the race
 *  between "read found nothing new" and "started waiting". */
export class ChangeSignal {
  private version = 0;
  private readonly listeners = new Set<() => void>();

  get current(): number {
    return this.version;
  }

  notify(): void {
    this.version++;
    for (const l of [...this.listeners]) l();
  }

  on(listener: () => void): void {
    this.listeners.add(listener);
  }

  off(listener: () => void): void {
    this.listeners.delete(listener);
  }
}

/**
 * A read failure that ended a subscription; `error` is the tagged store error, `after` the
 * position of the last event handed over (the failure lies after it), when known.
 */
export class SubscriptionFailed extends Error {
  constructor(
    readonly error: ReadError,
    readonly after?: number,
  ) {
    super(
      `subscription stopped${after === undefined ? '' : ` after position ${after}`}: ${describeError(error)}`,
    );
    this.name = 'SubscriptionFailed';
  }
}

export interface CatchUpSource {
  readonly readAll: (options: ReadAllOptions) => TE.TaskEither<ReadError, ReadAllPage>;
  readonly signal: ChangeSignal;
  readonly pageSize: number;
  /** Re-read at the head this often (writers in other processes); undefined: only on signal. */
  readonly pollMs?: number;
}

export const runCatchUpSubscription = (
  source: CatchUpSource,
  options: SubscribeAllOptions,
  handler: (event: RecordedEvent) => Promise<void> | void,
): Subscription => {
  let stopped = false;
  let wake: (() => void) | null = null;

  const waitForChange = (seen: number): Promise<void> =>
    new Promise<void>((resolve) => {
      if (stopped || source.signal.current !== seen) return resolve();
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        source.signal.off(finish);
        wake = null;
        resolve();
      };
      source.signal.on(finish);
      wake = finish;
      if (source.pollMs !== undefined) timer = setTimeout(finish, source.pollMs);
    });

  /** Read one event at a time from `after`, handing each over, until the read fails (thrown). */
  const handOverUpTo = async (from: number): Promise<number> => {
    let after = from;
    while (!stopped) {
      const one = await source.readAll({ after, maxCount: 1, filter: options.filter })();
      if (E.isLeft(one)) throw new SubscriptionFailed(one.left, after);
      for (const event of one.right.events) {
        if (stopped) return after;
        await handler(event);
        after = event.globalPosition;
      }
      const moved = one.right.lastPosition > after || one.right.events.length > 0;
      if (one.right.lastPosition > after) after = one.right.lastPosition;
      // At the end (the failure did not recur), or nothing further: back to reading pages.
      if (one.right.isEnd || !moved) return after;
    }
    return after;
  };

  const loop = async (): Promise<void> => {
    let after = options.after;
    while (!stopped) {
      const seen = source.signal.current;
      const page = await source.readAll({ after, maxCount: source.pageSize, filter: options.filter })();
      if (E.isLeft(page)) {
        if (page.left._tag !== 'ValidationError') throw new SubscriptionFailed(page.left, after);
        // A row that does not decode fails its whole page: hand over every event before it,
        // one read each, then stop at it (naming the position after which it lies).
        const next = await handOverUpTo(after);
        if (next === after && !stopped) throw new SubscriptionFailed(page.left, after);
        after = next;
        continue;
      }
      for (const event of page.right.events) {
        if (stopped) return;
        await handler(event);
        after = event.globalPosition;
      }
      if (stopped) return;
      if (page.right.lastPosition > after) after = page.right.lastPosition;
      if (page.right.isEnd) await waitForChange(seen);
    }
  };

  const done = loop();
  // Marks the rejection handled so an unobserved failure does not crash the process;
  // callers awaiting `done` still see it.
  done.catch(() => undefined);

  return {
    done,
    stop: async () => {
      stopped = true;
      wake?.();
      await done.catch(() => undefined);
    },
  };
};
