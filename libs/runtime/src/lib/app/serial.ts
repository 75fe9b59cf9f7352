/**
 * One-at-a-time execution of async work: each call runs after the previous one settled
 * (a failure does not block the next). Apps whose consumers and timers decide on the same
 * state run their decisions through one queue, so no decision reads a state another is
 * about to change. `idle()` resolves once everything queued so far has settled.
 */
export interface SerialQueue {
  <A>(work: () => Promise<A>): Promise<A>;
  idle(): Promise<void>;
}

export const serialQueue = (): SerialQueue => {
  let tail: Promise<void> = Promise.resolve();
  const run = <A>(work: () => Promise<A>): Promise<A> => {
    const r = tail.then(work);
    tail = r.then(
      () => undefined,
      () => undefined,
    );
    return r;
  };
  return Object.assign(run, { idle: () => tail });
};
