/**
 * The adapter edge: every promise from the NATS client goes through `attempt`, which bounds
 * it with an explicit timeout and maps whatever it rejects with to a tagged
 * InfrastructureError at once, so nothing untyped leaks past the adapter.
 */
import * as TE from 'fp-ts/TaskEither';
import { InfrastructureError, infrastructureError } from '@keel/events';

export const COMPONENT = 'nats';

export class TimeoutError extends Error {
  constructor(op: string, ms: number) {
    super(`${op} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** Reject with a TimeoutError after `ms`; the late outcome of `p` is observed and dropped. */
export const withTimeout = <A>(p: Promise<A>, ms: number, op: string): Promise<A> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(op, ms)), ms);
  });
  // Without this, a rejection arriving after the timeout would be an unhandled rejection.
  p.catch(() => undefined);
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
};

export const attempt = <A>(
  op: string,
  ms: number,
  f: () => Promise<A>,
): TE.TaskEither<InfrastructureError, A> =>
  TE.tryCatch(
    () => withTimeout(Promise.resolve().then(f), ms, op),
    (cause) => infrastructureError(COMPONENT, op, cause),
  );

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
