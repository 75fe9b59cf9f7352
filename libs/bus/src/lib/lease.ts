/**
 * Leases: at most one owner per key at a time, so that two gateways configured for the same
 * venue account never both send its orders. In NATS a lease is a key in a key-value bucket
 * whose entries expire `ttlMs` after their last write (`@nats-io/kv`): `create` succeeds only
 * when the key is absent, a renewal is an `update` conditional on the revision we wrote, so a
 * claim never takes a lease another owner holds, and a dead owner's lease frees itself.
 *
 * What a lease cannot do: fence a request already sent. `holds` is asked right before each
 * send and stops a third of the ttl before the server can hand the key to another owner;
 * a process paused longer than that between the check and the send could still send late.
 * The new owner reconciles first (open orders, look-ups of everything in doubt, the
 * not-found horizon), which is what catches that case.
 */
import { performance } from 'node:perf_hooks';
import * as TE from 'fp-ts/TaskEither';
import { Kvm, KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import * as E from 'fp-ts/Either';
import { InfrastructureError, infrastructureError } from '@keel/events';
import { LeaseClaim, LeaseOptions, Leases } from './port';

const COMPONENT = 'leases';

/** The bucket gateways keep their account leases in. */
export const LEASE_BUCKET = 'keel-leases';

/** When each key's last claim started (monotonic ms), and whether that still counts. */
const terms = (ttlMs: number, now: () => number) => {
  const claimedAt = new Map<string, number>();
  return {
    held: (key: string, startedAt: number) => claimedAt.set(key, startedAt),
    lost: (key: string) => claimedAt.delete(key),
    holds: (key: string): boolean => {
      const t = claimedAt.get(key);
      return t !== undefined && now() - t < (ttlMs * 2) / 3;
    },
  };
};

/** A lease key for NATS (letters, digits, `-`, `_`, `=`, `.`): other characters become `_`. */
export const leaseKey = (key: string): string => key.replace(/[^-_=.A-Za-z0-9]/g, '_');

export const natsLeases = (
  nc: NatsConnection,
  options: LeaseOptions,
  now: () => number = () => performance.now(),
): TE.TaskEither<InfrastructureError, Leases> =>
  TE.tryCatch(
    async () => {
      const kv: KV = await new Kvm(nc).create(options.bucket, { ttl: options.ttlMs, history: 1 });
      // The bucket may have been made with another ttl (by a process configured otherwise): the
      // server expires keys by its own, so that is the one to count with, never a longer one.
      const ttlMs = (await kv.status()).ttl || options.ttlMs;
      const t = terms(ttlMs, now);
      const owner = options.owner;
      const current = async (key: string) => {
        const e = await kv.get(leaseKey(key));
        return e && e.operation === 'PUT' ? { owner: e.string(), revision: e.revision } : null;
      };
      const claimOnce = async (key: string): Promise<LeaseClaim> => {
        const startedAt = now();
        const k = leaseKey(key);
        const e = await current(key);
        if (e && e.owner !== owner) {
          t.lost(key);
          return { held: false, owner: e.owner };
        }
        try {
          if (e) await kv.update(k, owner, e.revision);
          else await kv.create(k, owner);
        } catch (cause) {
          // Someone wrote the key between our read and our write: theirs, unless it was only expiry.
          const after = await current(key);
          if (after && after.owner !== owner) {
            t.lost(key);
            return { held: false, owner: after.owner };
          }
          throw cause;
        }
        t.held(key, startedAt);
        return { held: true };
      };
      const leases: Leases = {
        owner,
        ttlMs,
        claim: (key) =>
          TE.tryCatch(
            () => claimOnce(key),
            (cause) => infrastructureError(COMPONENT, `claim ${key}`, cause),
          ),
        holds: (key) => t.holds(key),
        release: (key) =>
          TE.tryCatch(
            async () => {
              t.lost(key);
              const e = await current(key);
              if (e && e.owner === owner) await kv.delete(leaseKey(key), { previousSeq: e.revision });
            },
            (cause) => infrastructureError(COMPONENT, `release ${key}`, cause),
          ),
      };
      return leases;
    },
    (cause) => infrastructureError(COMPONENT, `open bucket ${options.bucket}`, cause),
  );

/** Leases within one process (the memory bus, tests): the same rules, on `now`. */
export const memoryLeases = (
  options: LeaseOptions,
  table: Map<string, { owner: string; at: number }>,
  now: () => number = () => performance.now(),
): Leases => {
  const t = terms(options.ttlMs, now);
  return {
    owner: options.owner,
    ttlMs: options.ttlMs,
    claim: (key) => async (): Promise<E.Either<InfrastructureError, LeaseClaim>> => {
      const at = now();
      const e = table.get(key);
      if (e && e.owner !== options.owner && at - e.at < options.ttlMs) {
        t.lost(key);
        return E.right({ held: false, owner: e.owner });
      }
      table.set(key, { owner: options.owner, at });
      t.held(key, at);
      return E.right({ held: true });
    },
    holds: (key) => t.holds(key),
    release: (key) => async (): Promise<E.Either<InfrastructureError, void>> => {
      t.lost(key);
      if (table.get(key)?.owner === options.owner) table.delete(key);
      return E.right(undefined);
    },
  };
};

export interface HeldLease {
  /** Stop renewing and give the lease up (unless it was lost). */
  release(): Promise<void>;
}

export interface LeaseHooks {
  /** Another owner holds the key (or the lease store did not answer: `null`): waiting as a standby. */
  waiting(owner: string | null): void;
  /** A renewal found another owner: this process must not act for the key any more. */
  lost(owner: string): void;
  /** Give up waiting (the process is stopping). */
  stopped(): boolean;
}

const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * Claim `key` until it is held (a standby waits here for the owner to stop), then renew it
 * every third of the ttl, in real time, until released. A renewal that fails (the server away)
 * is tried again at the next one: `holds` lapses by itself if none succeeds in time. Null when
 * `stopped` before the lease was held.
 */
export const acquireLease = async (
  leases: Leases,
  key: string,
  hooks: LeaseHooks,
): Promise<HeldLease | null> => {
  const every = Math.max(1, Math.floor(leases.ttlMs / 3));
  let reported: string | null | undefined;
  for (;;) {
    if (hooks.stopped()) return null;
    const r = await leases.claim(key)();
    if (E.isRight(r) && r.right.held) break;
    const owner = E.isRight(r) && !r.right.held ? r.right.owner : null;
    if (owner !== reported) hooks.waiting(owner);
    reported = owner;
    await pause(every);
  }
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  const renew = async (): Promise<void> => {
    if (done) return;
    const r = await leases.claim(key)();
    if (E.isRight(r) && !r.right.held) {
      done = true;
      hooks.lost(r.right.owner);
      return;
    }
    if (!done) schedule();
  };
  const schedule = (): void => {
    timer = setTimeout(() => void renew(), every);
    timer.unref();
  };
  schedule();
  return {
    release: async () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      await leases.release(key)();
    },
  };
};
