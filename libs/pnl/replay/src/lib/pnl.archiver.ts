/**
 * Keeps the PnL archive of an embedded store current while the log grows (run by the
 * balance-aggregator, the PnL owner): every `everyMs` it extends the archive to the head, one
 * segment at a time, giving the event loop back between segments (a segment takes ~0.1 s to
 * build), so the process it runs in keeps doing its own work while a large log is archived for
 * the first time.
 * Failures are logged and retried on the next round; the archive is only ever an
 * accelerator, never the truth.
 */
import * as E from 'fp-ts/Either';
import { describeError } from '@keel/events';
import { extendPnlArchiveOf } from './pnl.archive';

export interface PnlArchiverLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PnlArchiverOptions {
  readonly storePath: string;
  readonly everyMs: number;
  readonly logger: PnlArchiverLogger;
}

export interface PnlArchiver {
  /** The last position the archive covered after the last round. */
  last(): number;
  stop(): Promise<void>;
}

export const startPnlArchiver = (o: PnlArchiverOptions): PnlArchiver => {
  let stopping = false;
  let wake: (() => void) | null = null;
  /** Wait between rounds; `stop` cuts it short. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let last = 0;
  let warnedAt = -1;
  /** Extend by one segment; true when there is more to do now. */
  const round = (): boolean => {
    const r = extendPnlArchiveOf(o.storePath, { maxSegments: 1 });
    if (E.isLeft(r)) throw new Error(describeError(r.left));
    last = r.right.last;
    const stoppedAt = r.right.stoppedAt;
    if (stoppedAt !== null) {
      if (stoppedAt.position !== warnedAt)
        o.logger.warn(
          { stoppedAt },
          'PnL archive stops before an event that does not decode; replays read the log from there',
        );
      warnedAt = stoppedAt.position;
      return false;
    }
    return r.right.written > 0 && last < r.right.head;
  };
  const loop = async (): Promise<void> => {
    while (!stopping) {
      try {
        // One segment per turn of the event loop until the head is reached.
        while (round() && !stopping) await new Promise<void>((r) => setImmediate(r));
      } catch (e) {
        o.logger.warn(
          { err: e instanceof Error ? e.message : String(e) },
          'PnL archive round failed; retrying',
        );
      }
      if (!stopping) await sleep(o.everyMs);
    }
  };
  const done = loop();
  o.logger.info({ storePath: o.storePath, everyMs: o.everyMs }, 'PnL archive kept current');
  return {
    last: () => last,
    stop: async () => {
      stopping = true;
      wake?.();
      await done;
    },
  };
};
