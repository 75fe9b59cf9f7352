/**
 * The soak's chaos, one loop per kind, each drawing its waits from the seeded `rnd` and
 * counting what it did:
 * - each app (relay, gateway, execution): run a while, SIGKILL, stay down a moment, restart;
 *   one kill in `startupKillEvery` lands during start-up, before the app is ready;
 * - NATS: stop it (SIGTERM or SIGKILL, by turns of the dice), keep it down, start it again on
 *   the same port and JetStream store;
 * - the store: an exclusive lock on the SQLite file (every writer waits; some outages outlast
 *   SQLite's 5 s busy timeout, so an app's append fails and must be retried, not skipped);
 * - the clock: one app's system clock stepped forward or back (libfaketime's timestamp file,
 *   read by the running process), held, then stepped back.
 * Each loop ends once `on()` turns false, leaving what it touched as it found it.
 */
import * as fs from 'node:fs';
import Database from 'better-sqlite3';
import type { NatsServer } from '@keel/testing';
import type { Supervisor } from '../supervise/supervisor';
import { pause } from '../supervise/session';
import type { CostSample } from './soak.invariants';
import { ChaosRanges, SoakApp, within } from './soak.plan';

export interface ChaosCounts {
  kills: number;
  killsBeforeReady: number;
  killsByApp: Record<string, number>;
  natsRestarts: number;
  natsCrashes: number;
  storeOutages: number;
  storeLockedMs: number;
  longestOutageMs: number;
  clockSteps: number;
  restartsNotReady: number;
}

export const emptyCounts = (apps: readonly string[]): ChaosCounts => ({
  kills: 0,
  killsBeforeReady: 0,
  killsByApp: Object.fromEntries(apps.map((a) => [a, 0])),
  natsRestarts: 0,
  natsCrashes: 0,
  storeOutages: 0,
  storeLockedMs: 0,
  longestOutageMs: 0,
  clockSteps: 0,
  restartsNotReady: 0,
});

/** What an app's /metrics (Prometheus text) says of its cost so far. */
export interface CostReading {
  readonly heapBytes: number;
  /** CPU time of the process so far (user + system). */
  readonly cpuSec: number;
  /** Events it folded (events_applied_total) and published (events_published_total, the relay). */
  readonly events: number;
}

/** Read an app's cost figures; null when it does not answer. */
export const scrapeCost = async (healthUrl: string): Promise<CostReading | null> => {
  try {
    const r = await fetch(`${healthUrl}/metrics`, { signal: AbortSignal.timeout(1_000) });
    if (r.status !== 200) return null;
    return parseCost(await r.text());
  } catch {
    return null;
  }
};

/** The figures of `scrapeCost` from Prometheus text; null without a heap figure. */
export const parseCost = (text: string): CostReading | null => {
  let heap: number | null = null;
  let cpu = 0;
  let events = 0;
  for (const line of text.split('\n')) {
    const value = (): number => Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('nodejs_heap_size_used_bytes')) heap = value();
    else if (line.startsWith('process_cpu_seconds_total')) cpu = value();
    else if (line.startsWith('events_applied_total') || line.startsWith('events_published_total'))
      events += value();
  }
  if (heap === null || !Number.isFinite(heap)) return null;
  return { heapBytes: heap, cpuSec: cpu, events };
};

/** Fewer events than this in a life: its CPU per event is not sampled (start-up work would dominate it). */
const MIN_EVENTS_FOR_RATE = 20;

export interface AppChaos {
  readonly app: SoakApp;
  readonly healthUrl: string;
  readonly supervisor: Supervisor;
  readonly ranges: ChaosRanges;
  readonly rnd: () => number;
  readonly stop: AbortSignal;
  readonly counts: ChaosCounts;
  readonly samples: CostSample[];
  /** Wall ms when the soak began (sample times are relative to it). */
  readonly began: number;
  readonly note: (line: string) => void;
}

/** Kill and restart one app until `stop`; resolves with the app running (ready or not). */
export const appChaos = async (c: AppChaos): Promise<void> => {
  let spawned = Date.now();
  // The first life was started (and made ready) by the supervisor's startAll.
  let isReady = true;
  let readyMs: number | null = null;
  /** Its cost figures when it became ready (CPU to ready; the base of its CPU per event). */
  let readyCost: CostReading | null = null;
  let ready: Promise<boolean> = Promise.resolve(true);
  for (let life = 1; !c.stop.aborted; life++) {
    const early = life % c.ranges.startupKillEvery === 0;
    if (early) await pause(within(c.ranges.startupKillAfter, c.rnd), c.stop);
    else {
      if (!(await ready)) c.counts.restartsNotReady++;
      await pause(within(c.ranges.uptime, c.rnd), c.stop);
    }
    if (c.stop.aborted) break;
    const cost = await scrapeCost(c.healthUrl);
    // Set by the readiness callback, which the compiler's flow analysis does not see.
    const atReady = readyCost as CostReading | null;
    const wasReady = isReady;
    await c.supervisor.kill(c.app);
    c.counts.kills++;
    c.counts.killsByApp[c.app] = (c.counts.killsByApp[c.app] ?? 0) + 1;
    if (!wasReady) c.counts.killsBeforeReady++;
    if (cost) {
      const events = atReady ? cost.events - atReady.events : 0;
      c.samples.push({
        app: c.app,
        at: Date.now() - c.began,
        heapBytes: cost.heapBytes,
        // Steady work only: CPU and events since it was ready.
        cpuPerEventSec:
          atReady && events >= MIN_EVENTS_FOR_RATE ? (cost.cpuSec - atReady.cpuSec) / events : null,
        cpuToReadySec: atReady ? atReady.cpuSec : null,
        readyMs,
      });
    }
    await pause(within(c.ranges.down, c.rnd), c.stop);
    spawned = Date.now();
    isReady = false;
    readyMs = null;
    readyCost = null;
    const started = spawned;
    ready = c.supervisor.restart(c.app).then(async (ok) => {
      if (!ok || spawned !== started) return ok;
      isReady = true;
      readyMs = Date.now() - started;
      const cost = await scrapeCost(c.healthUrl);
      if (spawned === started) readyCost = cost;
      return ok;
    });
  }
  await ready;
};

/** `act` after each wait drawn from `every`, until `stop` aborts (checked after each wait). */
export const everyUntil = async (
  every: readonly [number, number],
  rnd: () => number,
  stop: AbortSignal,
  act: () => Promise<void>,
): Promise<void> => {
  for (;;) {
    await pause(within(every, rnd), stop);
    if (stop.aborted) return;
    await act();
  }
};

/** What each chaos loop is given: its ranges, its random stream, when to stop, where to count and say what it did. */
export interface LoopChaos {
  readonly ranges: ChaosRanges;
  readonly rnd: () => number;
  readonly stop: AbortSignal;
  readonly counts: ChaosCounts;
  readonly note: (line: string) => void;
}

/** Stop and start NATS until `stop`; leaves it running. */
export const natsChaos = async (o: LoopChaos & { readonly nats: NatsServer }): Promise<void> => {
  try {
    await everyUntil(o.ranges.natsEvery, o.rnd, o.stop, async () => {
      const crash = o.rnd() < 0.5;
      if (crash) await o.nats.kill();
      else await o.nats.stop();
      o.counts.natsRestarts++;
      if (crash) o.counts.natsCrashes++;
      const down = within(o.ranges.natsDown, o.rnd);
      o.note(`chaos: NATS ${crash ? 'SIGKILLed' : 'stopped'}, down ${(down / 1000).toFixed(1)} s`);
      await new Promise((r) => setTimeout(r, down));
      await o.nats.restart();
    });
  } finally {
    if (!o.nats.running()) await o.nats.restart();
  }
};

/** Lock the store file now and then until `stop`; leaves it unlocked. */
export const storeChaos = async (o: LoopChaos & { readonly storePath: string }): Promise<void> => {
  const db = new Database(o.storePath);
  // Taking the lock waits for a writer's transaction (milliseconds), never for ever.
  db.pragma('busy_timeout = 30000');
  try {
    await everyUntil(o.ranges.storeEvery, o.rnd, o.stop, async () => {
      const hold = within(o.ranges.storeLocked, o.rnd);
      db.exec('BEGIN EXCLUSIVE');
      const at = Date.now();
      try {
        o.note(`chaos: store locked for ${(hold / 1000).toFixed(1)} s`);
        await new Promise((r) => setTimeout(r, hold));
      } finally {
        db.exec('COMMIT');
      }
      const held = Date.now() - at;
      o.counts.storeOutages++;
      o.counts.storeLockedMs += held;
      o.counts.longestOutageMs = Math.max(o.counts.longestOutageMs, held);
    });
  } finally {
    db.close();
  }
};

/** Where libfaketime is, if installed (Debian/Ubuntu: `apt-get install faketime`). */
export const findFaketime = (env: NodeJS.ProcessEnv = process.env): string | null => {
  const candidates = [
    ...(env['KEEL_FAKETIME_LIB'] ? [env['KEEL_FAKETIME_LIB']] : []),
    '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
    '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
    '/usr/lib/faketime/libfaketime.so.1',
    '/usr/local/lib/faketime/libfaketime.so.1',
  ];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
};

/**
 * The settings that put an app's system clock under a timestamp file: libfaketime reads the
 * file (at most once a second) and offsets what the process reads as the time of day by it;
 * the monotonic clock is left alone, as a real step leaves it.
 */
export const faketimeEnv = (lib: string, file: string): Record<string, string> => ({
  LD_PRELOAD: lib,
  FAKETIME_TIMESTAMP_FILE: file,
  FAKETIME_DONT_FAKE_MONOTONIC: '1',
  FAKETIME_CACHE_DURATION: '1',
});

/** Step one app's system clock now and then until `stop`; leaves every clock at +0. */
export const clockChaos = async (
  o: LoopChaos & { readonly files: Readonly<Record<string, string>> },
): Promise<void> => {
  const apps = Object.keys(o.files);
  try {
    if (apps.length > 0)
      await everyUntil(o.ranges.clockEvery, o.rnd, o.stop, async () => {
        const app = apps[Math.floor(o.rnd() * apps.length)] ?? apps[0]!;
        const secs = Math.max(1, Math.round(within(o.ranges.clockStep, o.rnd) / 1000));
        const step = `${o.rnd() < 0.5 ? '-' : '+'}${secs}`;
        fs.writeFileSync(o.files[app]!, `${step}\n`);
        o.counts.clockSteps++;
        o.note(`chaos: ${app}'s clock stepped ${step} s`);
        await pause(within(o.ranges.clockHeld, o.rnd), o.stop);
        fs.writeFileSync(o.files[app]!, '+0\n');
      });
  } finally {
    for (const f of Object.values(o.files)) fs.writeFileSync(f, '+0\n');
  }
};
