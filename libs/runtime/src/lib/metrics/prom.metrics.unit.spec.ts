import { createMetrics, timeHandler } from './prom.metrics';

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
});
