/**
 * Runs a real `nats-server` with JetStream for integration tests and benchmarks: bound to
 * 127.0.0.1 on a free port, with its store in a temp dir. `stop` + `restart` keep the port
 * and the store, so a test can take the server away and bring it back the way an outage
 * would; `dispose` is for afterAll (stops it and deletes the store).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port';
import { tempDir } from './temp-dir';

export interface NatsServerOptions {
  /** Default: a free port. */
  readonly port?: number;
  /** Default: a fresh temp dir, deleted by `dispose`. A given dir is never deleted. */
  readonly storeDir?: string;
  /** Path of the binary; default `$NATS_SERVER_BIN` or `nats-server` on PATH (or /usr/sbin). */
  readonly binary?: string;
  /** Extra command-line arguments (e.g. `-DV` while debugging, `-c <file>`). */
  readonly args?: readonly string[];
  /** Extra environment (e.g. the passwords a configuration reads as `$NAME`). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the server to accept connections (default 15 s: a loaded CI box). */
  readonly readyTimeoutMs?: number;
  /**
   * Run it in a process group of its own (default false), so a terminal's Ctrl-C, which goes
   * to the whole foreground group, does not stop it before the apps using it have stopped.
   */
  readonly ownProcessGroup?: boolean;
  /**
   * Have the kernel send it SIGTERM when this process dies, even by SIGKILL (default false):
   * a server an operator's tool started must not outlive the tool. Linux, through util-linux's
   * `setpriv --pdeathsig`; where that is missing it is started without the tie.
   */
  readonly dieWithParent?: boolean;
}

export interface NatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  /** The running server's process id (undefined once stopped). */
  pid(): number | undefined;
  readonly port: number;
  readonly storeDir: string;
  /** Is the process running right now? */
  running(): boolean;
  /** Graceful stop (SIGTERM, SIGKILL after 5 s). Keeps the store for `restart`. */
  stop(): Promise<void>;
  /** Stop if running, then start again on the same port and store dir; resolves once it is ready. */
  restart(): Promise<void>;
  /** SIGKILL, like a crash; the store stays. */
  kill(): Promise<void>;
  /** Stop and delete the store dir if this helper created it. For afterAll. */
  dispose(): Promise<void>;
  /** The server's recent log output, for failure messages. */
  log(): string;
}

const INSTALL_HINT =
  'nats-server was not found on PATH: run `apt-get install -y nats-server` (scripts/test.sh does).';

/** Where the binary is; throws with the install command when it is missing. */
export const findNatsServer = (explicit?: string): string => {
  const candidates = explicit
    ? [explicit]
    : [
        ...(process.env['NATS_SERVER_BIN'] ? [process.env['NATS_SERVER_BIN']] : []),
        // Debian installs it in /usr/sbin, which is not on every user's PATH.
        ...(process.env['PATH'] ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, 'nats-server')),
        '/usr/sbin/nats-server',
        '/usr/bin/nats-server',
        '/usr/local/bin/nats-server',
      ];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error(explicit ? `${explicit} is not an executable nats-server. ${INSTALL_HINT}` : INSTALL_HINT);
};

const findSetpriv = (): string | undefined =>
  ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

// Children still running when the test process exits are killed, so a failed test run
// never leaves a server holding a port.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
const installExitHook = (): void => {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });

/** Start a JetStream-enabled nats-server and wait until it accepts connections. */
export const startNatsServer = async (opts: NatsServerOptions = {}): Promise<NatsServer> => {
  const binary = findNatsServer(opts.binary);
  const port = opts.port ?? (await freePort());
  const ownDir = opts.storeDir === undefined ? await tempDir('keel-nats') : undefined;
  const storeDir = opts.storeDir ?? ownDir?.path ?? '';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
  installExitHook();

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const launch = async (): Promise<void> => {
    const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...(opts.args ?? [])];
    // setpriv sets the parent-death signal and execs the server: same pid, nothing in between.
    const tie = opts.dieWithParent ? findSetpriv() : undefined;
    const proc = spawn(tie ?? binary, tie ? ['--pdeathsig', 'SIGTERM', binary, ...args] : args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: opts.ownProcessGroup ?? false,
      ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    });
    child = proc;
    live.add(proc);
    let hasExited = false;
    exited = new Promise((resolve) => {
      proc.once('exit', () => {
        hasExited = true;
        live.delete(proc);
        resolve();
      });
    });
    const keep = (chunk: Buffer): void => {
      // Keep the tail only: enough for a failure message, bounded for long runs.
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));

    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      const err = await Promise.race([spawnError, sleep(50).then(() => undefined)]);
      if (err) throw new Error(`nats-server failed to start: ${err.message}`);
      if (hasExited) throw new Error(`nats-server exited during start-up (port ${port}):\n${output}`);
      // "Server is ready" comes after JetStream has recovered its store, so a client that
      // connects now can use streams at once.
      if (output.includes('Server is ready') && (await canConnect(port))) return;
    }
    proc.kill('SIGKILL');
    throw new Error(
      `nats-server did not become ready on port ${port} within ${readyTimeoutMs} ms:\n${output}`,
    );
  };

  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const stopped = await Promise.race([exited.then(() => true), grace]);
    clearTimeout(timer); // a pending timer would keep Jest from exiting
    if (!stopped) {
      proc.kill('SIGKILL');
      await exited;
    }
  };

  const running = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  await launch();

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    running,
    pid: () => (running() ? child?.pid : undefined),
    stop: () => signalAndWait('SIGTERM', 5000),
    kill: () => signalAndWait('SIGKILL', 5000),
    restart: async () => {
      await signalAndWait('SIGTERM', 5000);
      await launch();
    },
    dispose: async () => {
      await signalAndWait('SIGTERM', 5000);
      await ownDir?.cleanup();
    },
    log: () => output,
  };
};
