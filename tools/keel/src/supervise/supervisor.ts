/**
 * A supervisor of app processes, shared by `keel start` and `keel demo`: it spawns each app,
 * tells when it is ready, reports every state change, and stops them all cleanly.
 *
 * Why it is built this way:
 * - Each app runs in a process group of its own (`detached`). A terminal's Ctrl-C signals the
 *   whole foreground group; an app in that group would get the terminal's SIGINT *and* the
 *   supervisor's SIGTERM, read the second as an impatient operator and exit 143. Out of the
 *   group, an app gets exactly one signal: the supervisor's SIGTERM, and stops with exit 0.
 * - Each app gets an IPC channel. Out of the terminal's group, nothing else would stop an app
 *   whose supervisor died (SIGKILL, OOM); the kernel closes the channel however the supervisor
 *   goes, and the app's runtime treats that close as a stop request (libs/runtime,
 *   parent.channel.ts). So no app outlives its supervisor.
 * - SIGKILL goes to the app's whole group (anything it started dies with it); SIGTERM to the
 *   app alone, whose lifecycle stops what it owns.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { REPO_ROOT } from './app-launch';

export { appLaunch, REPO_ROOT } from './app-launch';
export { listenForStop, DUPLICATE_SIGNAL_WINDOW_MS } from './stop-signals';
export type { StopSignals, StopSignalsOptions } from './stop-signals';

export interface ManagedApp {
  /** Unique, e.g. 'gateway-binance'. */
  readonly name: string;
  /** Executable, e.g. process.execPath. */
  readonly command: string;
  readonly args: readonly string[];
  /** The full environment for the child. */
  readonly env: Readonly<Record<string, string>>;
  /** Ready when GET `${healthUrl}/readyz` answers 200. */
  readonly healthUrl: string;
  /** The child's stdout+stderr are appended here. */
  readonly logFile: string;
  /** Working directory; default the repository root (where `appLaunch`'s paths are relative to). */
  readonly cwd?: string;
}

export type AppState = 'starting' | 'ready' | 'not-ready' | 'stopping' | 'stopped' | 'crashed' | 'killed';

export interface AppExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** Exit 0, not by a signal. */
  readonly clean: boolean;
}

export interface SupervisorOptions {
  readonly apps: readonly ManagedApp[];
  /** One call per state change; `detail` is the human phrase after the app's name (see `stateLine`). */
  readonly onState?: (app: string, state: AppState, detail?: string) => void;
  /** Default 60_000. */
  readonly readyTimeoutMs?: number;
  /** Default 15_000, then SIGKILL. */
  readonly stopGraceMs?: number;
  /** How often a ready app's /readyz is read to report `not-ready` and back (default 2_000). */
  readonly watchIntervalMs?: number;
}

export interface Supervisor {
  /** Spawn every app in order; resolves when each is ready (or the timeout passed): name → ready. */
  startAll(): Promise<Readonly<Record<string, boolean>>>;
  /** SIGKILL one app (chaos); resolves once it has exited. Not restarted by itself. */
  kill(name: string): Promise<void>;
  /** Spawn a killed/exited app again; resolves when it is ready (or the timeout passed). */
  restart(name: string): Promise<boolean>;
  /** Stop one app cleanly (SIGTERM, SIGKILL after stopGraceMs); resolves once it has exited. */
  stop(name: string): Promise<void>;
  /** Stop every running app cleanly (one SIGTERM each, SIGKILL after stopGraceMs); resolves with each app's last exit. */
  stopAll(): Promise<ReadonlyMap<string, AppExit>>;
  /** Apps that exited without being asked to (crashed), so far. */
  readonly unexpectedExits: ReadonlyMap<string, AppExit>;
  /** SIGKILL every running app's process group at once, synchronously: the operator's forced stop. */
  killAll(): void;
  /** Resolves when no app is running (each has exited, for whatever reason); at once if none runs. */
  whenAllExited(): Promise<void>;
  /** Process ids of the running apps, by name. */
  pids(): ReadonlyMap<string, number>;
}

/** The line a state change prints as: `gateway stopped cleanly (exit 0)`. */
export const stateLine = (app: string, state: AppState, detail?: string): string =>
  `${app} ${detail ?? state}`;

/** Why a process ended, as printed: `exit 0`, `exit 1`, `SIGKILL`. */
export const exitText = (e: AppExit): string => (e.signal ? e.signal : `exit ${e.code ?? '?'}`);

/** What the supervisor wants of an app: it tells an expected exit from a crash. */
type Intent = 'run' | 'stop' | 'kill';

interface Slot {
  readonly app: ManagedApp;
  child: ChildProcess | undefined;
  /** Resolves when the current child has exited. */
  exited: Promise<AppExit> | undefined;
  intent: Intent;
  /** The stop grace ran out and the app was SIGKILLed. */
  forced: boolean;
  lastExit: AppExit | undefined;
}

const sleep = (ms: number): Promise<void> =>
  new Promise((r) => {
    // Unref'd: a sleeping watcher must not keep the supervisor's process alive.
    setTimeout(r, ms).unref();
  });

const readyz = (healthUrl: string): Promise<boolean> =>
  fetch(`${healthUrl}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => (void r.body?.cancel(), r.status === 200),
    () => false,
  );

/** Send `signal` to the process group `pid` leads, or to the process alone; a gone process is fine. */
const signalProcess = (pid: number, signal: NodeJS.Signals, group: boolean): void => {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    // ESRCH: it has already exited.
  }
};

export const createSupervisor = (o: SupervisorOptions): Supervisor => {
  const readyTimeoutMs = o.readyTimeoutMs ?? 60_000;
  const stopGraceMs = o.stopGraceMs ?? 15_000;
  const watchIntervalMs = o.watchIntervalMs ?? 2_000;
  const slots = new Map<string, Slot>();
  for (const app of o.apps) {
    if (slots.has(app.name)) throw new Error(`apps: the name ${JSON.stringify(app.name)} is used twice`);
    slots.set(app.name, {
      app,
      child: undefined,
      exited: undefined,
      intent: 'run',
      forced: false,
      lastExit: undefined,
    });
  }
  const unexpectedExits = new Map<string, AppExit>();
  const exitWaiters: (() => void)[] = [];

  const emit = (app: string, state: AppState, detail: string): void => {
    try {
      o.onState?.(app, state, detail);
    } catch {
      // A failing observer must not break supervision.
    }
  };
  const slotOf = (name: string): Slot => {
    const slot = slots.get(name);
    if (!slot)
      throw new Error(`no app named ${JSON.stringify(name)} (apps: ${[...slots.keys()].join(', ')})`);
    return slot;
  };
  const running = (s: Slot): boolean => s.child !== undefined;
  const settleExitWaiters = (): void => {
    if ([...slots.values()].some(running)) return;
    for (const w of exitWaiters.splice(0)) w();
  };

  const onExit = (slot: Slot, exit: AppExit, failure?: string): void => {
    const name = slot.app.name;
    slot.child = undefined;
    slot.lastExit = exit;
    switch (slot.intent) {
      case 'stop':
        emit(
          name,
          'stopped',
          exit.clean
            ? `stopped cleanly (${exitText(exit)})`
            : `stopped uncleanly (${slot.forced ? `SIGKILL after ${stopGraceMs / 1000} s` : exitText(exit)})`,
        );
        break;
      case 'kill':
        emit(name, 'killed', `killed (${exitText(exit)})`);
        break;
      case 'run':
        unexpectedExits.set(name, exit);
        emit(name, 'crashed', failure ?? `crashed (${exitText(exit)}); its log: ${slot.app.logFile}`);
        break;
      default: {
        const never: never = slot.intent;
        throw new Error(`unknown intent ${String(never)}`);
      }
    }
    settleExitWaiters();
  };

  const launch = (slot: Slot): ChildProcess => {
    const { app } = slot;
    slot.intent = 'run';
    slot.forced = false;
    const log = fs.openSync(app.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(app.command, [...app.args], {
        cwd: app.cwd ?? REPO_ROOT,
        // The app's runtime watches the IPC channel only when told it is ours (KEEL_SUPERVISED).
        env: { ...app.env, KEEL_SUPERVISED: '1' },
        stdio: ['ignore', log, log, 'ipc'],
        detached: true,
      });
    } finally {
      fs.closeSync(log);
    }
    slot.child = child;
    slot.exited = new Promise<AppExit>((resolve) => {
      const done = (exit: AppExit, failure?: string): void => {
        if (slot.child !== child) return;
        onExit(slot, exit, failure);
        resolve(exit);
      };
      child.once('exit', (code, signal) => done({ code, signal, clean: code === 0 && signal === null }));
      child.once('error', (err) => {
        // Spawning failed (no such executable): there is no process and no 'exit' to wait for.
        if (child.pid === undefined)
          done({ code: null, signal: null, clean: false }, `could not start: ${err.message}`);
      });
    });
    // The channel is only there to close when we die; it must not keep us alive.
    child.channel?.unref();
    if (child.pid !== undefined) emit(app.name, 'starting', `starting (pid ${child.pid})`);
    return child;
  };

  /**
   * Read the child's /readyz until it exits or is asked to stop: often until it is first
   * ready, then every `watchIntervalMs`, reporting each change. Resolves with the first
   * answer to "ready within readyTimeoutMs?".
   */
  const watch = (slot: Slot, child: ChildProcess): Promise<boolean> => {
    const { name, healthUrl } = slot.app;
    const current = (): boolean => slot.child === child && slot.intent === 'run';
    return new Promise<boolean>((resolve) => {
      let ready: boolean | undefined;
      const deadline = Date.now() + readyTimeoutMs;
      void slot.exited?.then(() => resolve(false));
      void (async () => {
        while (current()) {
          const ok = await readyz(healthUrl);
          if (!current()) break;
          if (ok && ready !== true) {
            ready = true;
            emit(name, 'ready', `ready (${healthUrl})`);
            resolve(true);
          } else if (!ok && ready === true) {
            ready = false;
            emit(name, 'not-ready', `not ready (${healthUrl}/readyz stopped answering 200)`);
          } else if (!ok && ready === undefined && Date.now() >= deadline) {
            ready = false;
            emit(name, 'not-ready', `not ready after ${readyTimeoutMs / 1000} s (see ${slot.app.logFile})`);
            resolve(false);
          }
          await sleep(ready === true || ready === false ? watchIntervalMs : 250);
        }
        resolve(false);
      })();
    });
  };

  const stopOne = async (slot: Slot): Promise<void> => {
    const child = slot.child;
    const exited = slot.exited;
    if (!child || !exited || child.pid === undefined) return;
    if (slot.intent === 'stop') {
      await exited;
      return;
    }
    slot.intent = 'stop';
    emit(slot.app.name, 'stopping', 'stopping (SIGTERM)');
    signalProcess(child.pid, 'SIGTERM', false);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>(
      (r) => (timer = setTimeout(() => r('grace over'), stopGraceMs)),
    );
    const outcome = await Promise.race([exited, graceOver]);
    clearTimeout(timer);
    if (outcome === 'grace over') {
      slot.forced = true;
      signalProcess(child.pid, 'SIGKILL', true);
      await exited;
    }
  };

  const killOne = async (slot: Slot): Promise<void> => {
    const child = slot.child;
    if (!child || child.pid === undefined) return;
    slot.intent = 'kill';
    signalProcess(child.pid, 'SIGKILL', true);
    await slot.exited;
  };

  return {
    startAll: async () => {
      for (const slot of slots.values())
        if (running(slot)) throw new Error(`${slot.app.name} is already running (pid ${slot.child?.pid})`);
      const started = [...slots.values()].map((slot) => [slot, launch(slot)] as const);
      const ready = await Promise.all(started.map(([slot, child]) => watch(slot, child)));
      return Object.fromEntries(started.map(([slot], i) => [slot.app.name, ready[i] ?? false]));
    },
    kill: async (name) => killOne(slotOf(name)),
    stop: async (name) => stopOne(slotOf(name)),
    restart: async (name) => {
      const slot = slotOf(name);
      if (running(slot))
        throw new Error(`${name} is still running (pid ${slot.child?.pid}): kill it before restarting it`);
      return watch(slot, launch(slot));
    },
    stopAll: async () => {
      await Promise.all([...slots.values()].map(stopOne));
      return new Map(
        [...slots.values()].flatMap((s) => (s.lastExit ? [[s.app.name, s.lastExit] as const] : [])),
      );
    },
    unexpectedExits,
    killAll: () => {
      for (const slot of slots.values()) {
        const pid = slot.child?.pid;
        if (pid === undefined) continue;
        slot.intent = 'kill';
        signalProcess(pid, 'SIGKILL', true);
      }
    },
    whenAllExited: () =>
      new Promise<void>((resolve) => {
        exitWaiters.push(resolve);
        settleExitWaiters();
      }),
    pids: () =>
      new Map(
        [...slots.values()].flatMap((s) =>
          s.child?.pid !== undefined ? [[s.app.name, s.child.pid] as const] : [],
        ),
      ),
  };
};
