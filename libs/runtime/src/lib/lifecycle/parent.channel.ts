/**
 * An app started by a supervisor (`keel start`, `keel demo`) gets an IPC channel from it
 * (Node's `stdio: [..., 'ipc']`). The supervisor runs the app in its own process group so a
 * terminal's Ctrl-C does not reach the app twice; the price is that nothing else would stop
 * the app if the supervisor died without stopping it (SIGKILL, a crash, OOM). The kernel
 * closes the channel whenever the supervisor goes, however it goes, so its close is the
 * app's cue: stop as a first signal would (an orderly shutdown, exit 0), never as a second.
 * An app started by hand has no channel, and nothing changes for it.
 */
import { Logger } from '../logging/pino.logger';

/**
 * What a supervisor sets in its apps' environment: the IPC channel is then its. Without it a
 * channel is someone else's (a test runner's worker, whose channel may not even be Node's
 * own object inside the runner's sandbox) and is left alone.
 */
export const SUPERVISED_ENV = 'KEEL_SUPERVISED';

/** The part of `process` this needs; a test passes an emitter of its own. */
export interface ParentChannelProcess {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Present only when the process was started with an IPC channel. */
  readonly channel?: { unref(): void } | undefined;
  readonly connected?: boolean;
  listenerCount(event: 'message'): number;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'disconnect', listener: () => void): unknown;
}

/** The reason a shutdown started by the channel's close reports. */
export const PARENT_GONE = 'supervisor gone';

/**
 * When the process has an IPC channel, start `shutdown(PARENT_GONE)` once it closes.
 * Returns the uninstaller. The channel is unref'd (an app that failed to start must still
 * exit) unless something else already listens for messages on it: then it is that code's
 * channel (a test runner's worker process), and its lifetime is theirs to manage.
 */
export const stopWhenParentGone = (
  shutdown: (reason: string) => unknown,
  logger: Logger,
  proc: ParentChannelProcess = process,
): (() => void) => {
  const channel = proc.channel;
  if (!channel || proc.env[SUPERVISED_ENV] !== '1') return () => undefined;
  let fired = false;
  const onDisconnect = (): void => {
    if (fired) return;
    fired = true;
    logger.warn('the supervisor that started this app is gone (its channel closed): stopping');
    void shutdown(PARENT_GONE);
  };
  const shared = proc.listenerCount('message') > 0;
  proc.on('disconnect', onDisconnect);
  if (!shared) channel.unref();
  // Gone before we listened: the event has already been emitted.
  if (proc.connected === false) onDisconnect();
  return () => {
    proc.off('disconnect', onDisconnect);
  };
};
