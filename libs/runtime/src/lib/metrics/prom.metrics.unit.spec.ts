import { Gauge } from 'prom-client';
import { createMetrics, rerunnableStart, timeHandler } from './prom.metrics';

describe('metrics', () => {
  it('gives each app its own registry, labelled with the app', async () => {
    const a = createMetrics('optimizer');
    const b = createMetrics('execution');
    a.eventsApplied.inc({ event_type: 'TargetPositionSet' }, 3);
    b.eventsPublished.inc({ event_type: 'ChildOrderRequested' });
    b.deadLetters.inc({ reason: 'undecodable' });
    a.ready.set(1);

    const textA = await a.registry.metrics();
    const textB = await b.registry.metrics();
    expect(textA).toContain('events_applied_total{event_type="TargetPositionSet",app="optimizer"} 3');
    expect(textA).toContain('ready{app="optimizer"} 1');
    expect(textA).not.toContain('ChildOrderRequested');
    expect(textB).toContain('events_published_total{event_type="ChildOrderRequested",app="execution"} 1');
    expect(textB).toContain('dead_letters_total{reason="undecodable",app="execution"} 1');
    expect(textB).toContain('ready{app="execution"} 0');
    // Node's default metrics are there too.
    expect(textA).toMatch(/process_cpu_user_seconds_total\{app="optimizer"\}/);
  });

  it('times handlers by outcome, including ones that throw', async () => {
    const m = createMetrics('ingest');
    await timeHandler(m, 'onPrediction', async () => 'done');
    await timeHandler(
      m,
      'onPrediction',
      async () => ({ rejected: true }),
      (r) => (r.rejected ? 'rejected' : 'ok'),
    );
    await expect(timeHandler(m, 'onPrediction', () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    const text = await m.registry.metrics();
    for (const outcome of ['ok', 'rejected', 'failed'])
      expect(text).toContain(
        `handler_duration_seconds_count{app="ingest",handler="onPrediction",outcome="${outcome}"} 1`,
      );
  });

  it('lets a start-up that failed after registering its own metrics run again, keeping the shared ones', async () => {
    const m = createMetrics('gateway');
    let runs = 0;
    const start = rerunnableStart(m.registry, async () => {
      runs++;
      new Gauge({ name: 'venue_requests', help: 'the app’s own', registers: [m.registry] }).set(runs);
      if (runs === 1) throw new Error('database is locked');
      return 'started';
    });
    await expect(start()).rejects.toThrow('database is locked');
    await expect(start()).resolves.toBe('started');
    const text = await m.registry.metrics();
    expect(text).toContain('venue_requests{app="gateway"} 2');
    expect(text).toContain('ready{app="gateway"} 0');
    // Without it, the second run dies on the name registered by the first.
    const bare = createMetrics('gateway');
    new Gauge({ name: 'venue_requests', help: 'x', registers: [bare.registry] });
    expect(() => new Gauge({ name: 'venue_requests', help: 'x', registers: [bare.registry] })).toThrow(
      /already been registered/,
    );
  });
});
