import { createMetrics } from '../metrics/prom.metrics';
import { describeFailures, runChecks } from './checks.run';
import { createReadinessMonitor } from './readiness.monitor';
import { ReadinessReport } from './checks.run';

const never = (): Promise<boolean> => new Promise(() => undefined);
const waitFor = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('runChecks', () => {
  it('is ready only when every check passes, and says why not', async () => {
    const report = await runChecks(
      {
        store: async () => true,
        nats: async () => false,
        venue: never,
        clock: () => Promise.reject(new Error('ntp drift 3s')),
      },
      30,
    );
    expect(report.ready).toBe(false);
    expect(report.checks['store']).toMatchObject({ ok: true });
    expect(report.checks['venue']).toMatchObject({ ok: false, error: 'timed out after 30 ms' });
    expect(describeFailures(report)).toBe(
      'clock: ntp drift 3s; nats: returned false; venue: timed out after 30 ms',
    );
  });

  it('treats no checks as ready', async () => {
    expect(await runChecks({}, 10)).toEqual({ ready: true, checks: {} });
  });
});

describe('ReadinessMonitor', () => {
  it('reports the first result and every flip, and keeps the gauge in step', async () => {
    let storeUp = true;
    const changes: { ready: boolean; details: ReadinessReport }[] = [];
    const metrics = createMetrics('monitor-test');
    const monitor = createReadinessMonitor({
      checks: { store: async () => storeUp },
      intervalMs: 10,
      onChange: (ready, details) => changes.push({ ready, details }),
      gauge: metrics.ready,
    });
    expect(monitor.isReady()).toBe(false);
    monitor.start();
    monitor.start(); // idempotent
    await waitFor(() => changes.length === 1);
    expect(monitor.isReady()).toBe(true);
    expect((await metrics.ready.get()).values[0]?.value).toBe(1);

    storeUp = false;
    await waitFor(() => changes.length === 2);
    expect(changes[1]).toMatchObject({
      ready: false,
      details: { checks: { store: { ok: false, error: 'returned false' } } },
    });
    expect(monitor.isReady()).toBe(false);
    expect((await metrics.ready.get()).values[0]?.value).toBe(0);

    storeUp = true;
    await waitFor(() => changes.length === 3);
    expect(changes.map((c) => c.ready)).toEqual([true, false, true]);
    monitor.stop();
  });

  it('reads a hung dependency as not ready', async () => {
    const monitor = createReadinessMonitor({ checks: { store: never }, intervalMs: 1000, timeoutMs: 20 });
    const report = await monitor.checkNow();
    expect(report.ready).toBe(false);
    expect(monitor.last()).toBe(report);
  });
});
