/**
 * `keel bench pipeline` in smoke mode (50 predictions/s for 2 s over 100 accounts, so each
 * account's model predicts once): a real nats-server, the embedded store, the relay and the
 * four engines in process. Every accepted prediction must lead to a child order whose ids trace
 * back to it (child → parent → target → prediction), and the figures must be figures.
 */
import { benchPipeline } from './bench-pipeline.command';

describe('keel bench pipeline (smoke)', () => {
  it('turns each signed HTTP prediction into a child order traced back to it by causation', async () => {
    const r = await benchPipeline({
      rate: 50,
      seconds: 2,
      accounts: 100,
      tickMs: 10,
      progress: (m) => process.stderr.write(`${m}\n`),
    });
    expect(r.predictionsSent).toBe(100);
    expect(r.predictionsAccepted).toBe(100);
    // One prediction per account: each one a new target, a new parent and its first child.
    expect(r.targetsSet).toBe(100);
    expect(r.parentsStarted).toBe(100);
    expect(r.childOrdersUntraced).toBe(0);
    expect(r.childOrdersTraced).toBe(100);
    expect(r.predictionsWithChild).toBe(1);
    expect(r.p50Ms).toBeGreaterThan(0);
    expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms ?? Infinity);
    // The baseline (HTTP → PredictionReceived) is part of the path, so the whole path is longer.
    expect(r.baseline.n).toBe(100);
    expect(r.vsBaseline).toBeGreaterThan(1);
    expect(r.targetTakenUp.n).toBe(100);
  }, 180_000);
});
