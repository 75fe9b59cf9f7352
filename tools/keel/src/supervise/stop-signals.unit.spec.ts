import { EventEmitter } from 'node:events';
import { listenForStop } from './stop-signals';

/**
 * The signals arrive on an emitter of the test's own, as Node delivers them to `process`
 * listeners (the OS path is the signals e2e spec's). Not `process.emit`: once a library has
 * re-routed it (signal-exit, loaded by Jest's cache writer on a cold cache), the emit reaches
 * the real process, not this sandbox's listeners — CI hung here on a fresh clone.
 */
let source = new EventEmitter();
const deliver = (signal: NodeJS.Signals): void => void source.emit(signal, signal);

describe('listenForStop', () => {
  let t = 0;
  const now = (): number => t;
  beforeEach(() => {
    t = 1_000;
    source = new EventEmitter();
  });

  it('the first SIGINT asks for a stop; a later second one forces, once', async () => {
    let forced = 0;
    const stop = listenForStop(() => void forced++, { now, source });
    deliver('SIGINT');
    expect(await stop.requested).toBe('SIGINT');
    expect(forced).toBe(0);
    t += 400;
    deliver('SIGINT');
    deliver('SIGINT');
    expect(forced).toBe(1);
    stop.dispose();
  });

  it('SIGTERM asks too, and a SIGINT after it forces at once (another signal is never a copy)', async () => {
    let forced = 0;
    const stop = listenForStop(() => void forced++, { now, source });
    deliver('SIGTERM');
    expect(await stop.requested).toBe('SIGTERM');
    deliver('SIGINT');
    expect(forced).toBe(1);
    stop.dispose();
  });

  it("takes the same signal within the window as the first one's copy (terminal + forwarding parent)", () => {
    let forced = 0;
    const stop = listenForStop(() => void forced++, { now, duplicateWindowMs: 100, source });
    deliver('SIGINT');
    t += 30;
    deliver('SIGINT');
    expect(forced).toBe(0);
    t += 100;
    deliver('SIGINT');
    expect(forced).toBe(1);
    stop.dispose();
  });

  it('dispose removes its handlers', () => {
    const stop = listenForStop(() => undefined, { source });
    expect(source.listenerCount('SIGINT')).toBe(1);
    expect(source.listenerCount('SIGTERM')).toBe(1);
    stop.dispose();
    expect(source.listenerCount('SIGINT')).toBe(0);
    expect(source.listenerCount('SIGTERM')).toBe(0);
  });

  it('listens on process by default', () => {
    const before = process.listenerCount('SIGTERM');
    const stop = listenForStop(() => undefined);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    stop.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
