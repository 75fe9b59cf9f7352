import { listenForStop } from './stop-signals';

/** Deliver a signal to this process's listeners, as the runtime would (without the OS in between). */
const deliver = (signal: NodeJS.Signals): void => void process.emit(signal, signal);

describe('listenForStop', () => {
  let t = 0;
  const now = (): number => t;
  beforeEach(() => (t = 1_000));

  it('the first SIGINT asks for a stop; a later second one forces, once', async () => {
    let forced = 0;
    const stop = listenForStop(() => void forced++, { now });
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
    const stop = listenForStop(() => void forced++, { now });
    deliver('SIGTERM');
    expect(await stop.requested).toBe('SIGTERM');
    deliver('SIGINT');
    expect(forced).toBe(1);
    stop.dispose();
  });

  it("takes the same signal within the window as the first one's copy (terminal + forwarding parent)", () => {
    let forced = 0;
    const stop = listenForStop(() => void forced++, { now, duplicateWindowMs: 100 });
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
    const before = process.listenerCount('SIGINT');
    listenForStop(() => undefined).dispose();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
