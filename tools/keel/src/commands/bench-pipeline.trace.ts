/**
 * The figures of `keel bench pipeline` (bench-pipeline.command.ts): every child order traced back
 * to the prediction that caused it by ids (child → parent → target → prediction), never matched by
 * time or account; the stages in between; the baseline (send → PredictionReceived).
 */
import * as os from 'node:os';
import { EventType, RecordedEvent } from '@keel/events';
import { quantile, r2 } from './bench.timing';

/** What the load generator reports of one request (epoch ms, sub-ms). */
export interface Sent {
  readonly predictionId: string;
  readonly modelId: string;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
}

/** Where one event was seen: received by the bench's consumer (epoch ms) and recorded by the store. */
export interface Seen {
  readonly event: RecordedEvent;
  readonly receivedAt: number;
}

const stats = (xs: readonly number[]) => ({
  n: xs.length,
  p50Ms: xs.length ? r2(quantile(xs, 0.5)) : null,
  p90Ms: xs.length ? r2(quantile(xs, 0.9)) : null,
  p99Ms: xs.length ? r2(quantile(xs, 0.99)) : null,
  maxMs: xs.length ? r2(Math.max(...xs)) : null,
});

/** Send → execution took the target up, for every target it took up (once per target). */
const takenUpLatencies = (
  byType: ReadonlyMap<EventType, readonly Seen[]>,
  seen: ReadonlyMap<string, Seen>,
  predictionOf: ReadonlyMap<string, { sent: Sent; seen: Seen }>,
): number[] => {
  // Every target execution took up: a new parent (started) or a working one superseded (its
  // children cancelled first; the new parent starts once the gateway confirms).
  const takenUp: number[] = [];
  const takenTargets = new Set<string>();
  const taken = [...(byType.get('ParentOrderStarted') ?? []), ...(byType.get('ParentOrderSuperseded') ?? [])];
  for (const s of taken) {
    const e = s.event;
    const targetId =
      e.type === 'ParentOrderStarted'
        ? e.data.targetId
        : e.type === 'ParentOrderSuperseded'
          ? e.data.next.targetId
          : null;
    if (!targetId || takenTargets.has(targetId)) continue;
    takenTargets.add(targetId);
    const target = seen.get(targetId);
    const prediction = target?.event.causationId ? predictionOf.get(target.event.causationId) : undefined;
    if (prediction) takenUp.push(s.receivedAt - prediction.sent.sentAt);
  }
  return takenUp;
};

/** Every child order traced back to its prediction by ids; the figures. */
export const trace = (
  load: { startedAt: number; endedAt: number; sent: readonly Sent[] },
  seen: ReadonlyMap<string, Seen>,
  byType: ReadonlyMap<EventType, readonly Seen[]>,
  o: { readonly rate: number; readonly seconds: number; readonly accounts: number; readonly tickMs: number },
) => {
  const sentById = new Map(load.sent.map((s) => [s.predictionId, s]));
  const predictionOf = new Map<string, { sent: Sent; seen: Seen }>();
  const baseline: number[] = [];
  const answered: number[] = [];
  for (const s of byType.get('PredictionReceived') ?? []) {
    const e = s.event as RecordedEvent<'PredictionReceived'>;
    const sent = sentById.get(e.data.predictionId);
    if (!sent) continue;
    predictionOf.set(e.eventId, { sent, seen: s });
    baseline.push(s.receivedAt - sent.sentAt);
  }
  for (const s of load.sent) if (s.status === 201) answered.push(s.answeredAt - s.sentAt);
  const parentByOrderId = new Map<string, Seen>();
  for (const s of byType.get('ParentOrderStarted') ?? []) {
    const e = s.event as RecordedEvent<'ParentOrderStarted'>;
    parentByOrderId.set(e.data.parentOrderId, s);
  }
  const latency: number[] = [];
  const appended: number[] = [];
  const stages = { toTarget: [] as number[], toParent: [] as number[], toChild: [] as number[] };
  // Each hop split at the store's recording instant (ms): deciding and appending, then the
  // commit, the relay, NATS and the consumer.
  const recorded = (x: Seen): number => Date.parse(x.event.recordedAt);
  const split = { decideAndAppend: [] as number[], commitRelayNats: [] as number[] };
  const traced = new Set<string>();
  let untraced = 0;
  for (const s of byType.get('ChildOrderRequested') ?? []) {
    const child = s.event as RecordedEvent<'ChildOrderRequested'>;
    if (child.data.seq !== 0) continue;
    const parent = parentByOrderId.get(child.data.parentOrderId);
    const targetId = (parent?.event as RecordedEvent<'ParentOrderStarted'> | undefined)?.data.targetId;
    const target = targetId ? seen.get(targetId) : undefined;
    const prediction = target?.event.causationId ? predictionOf.get(target.event.causationId) : undefined;
    if (!parent || !target || !prediction) {
      untraced++;
      continue;
    }
    traced.add(prediction.sent.predictionId);
    latency.push(s.receivedAt - prediction.sent.sentAt);
    appended.push(Date.parse(child.recordedAt) - prediction.sent.sentAt);
    stages.toTarget.push(target.receivedAt - prediction.seen.receivedAt);
    stages.toParent.push(parent.receivedAt - target.receivedAt);
    stages.toChild.push(s.receivedAt - parent.receivedAt);
    split.decideAndAppend.push(
      recorded(prediction.seen) - prediction.sent.sentAt,
      recorded(target) - prediction.seen.receivedAt,
      recorded(parent) - target.receivedAt,
      recorded(s) - parent.receivedAt,
    );
    split.commitRelayNats.push(
      prediction.seen.receivedAt - recorded(prediction.seen),
      target.receivedAt - recorded(target),
      parent.receivedAt - recorded(parent),
      s.receivedAt - recorded(s),
    );
  }
  const takenUp = takenUpLatencies(byType, seen, predictionOf);
  const total = stats(latency);
  const base = stats(baseline);
  const accepted = load.sent.filter((s) => s.status === 201).length;
  // The rate the predictions went out at (first send to last send, plus one interval), not
  // counting the wait for the last answers.
  const lastSent = Math.max(load.startedAt, ...load.sent.map((x) => x.sentAt));
  const sendSeconds = (lastSent - load.startedAt) / 1000 + 1 / o.rate;
  return {
    p50Ms: total.p50Ms,
    p99Ms: total.p99Ms,
    predictionsPerSec: Math.round(accepted / sendSeconds),
    p90Ms: total.p90Ms,
    maxMs: total.maxMs,
    latency:
      'from the request being sent (load generator) to the ChildOrderRequested received by a durable JetStream consumer',
    childOrdersTraced: traced.size,
    childOrdersUntraced: untraced,
    predictionsSent: load.sent.length,
    predictionsAccepted: accepted,
    predictionsRefusedOrFailed: load.sent.length - accepted,
    predictionsWithChild: r2(traced.size / Math.max(1, accepted)),
    targetsSet: byType.get('TargetPositionSet')?.length ?? 0,
    parentsStarted: byType.get('ParentOrderStarted')?.length ?? 0,
    parentsSuperseded: byType.get('ParentOrderSuperseded')?.length ?? 0,
    childOrdersRequested: byType.get('ChildOrderRequested')?.length ?? 0,
    targetTakenUp: {
      what: 'send → execution took the target up (ParentOrderStarted, or ParentOrderSuperseded while a parent worked)',
      ...stats(takenUp),
    },
    appendedP50Ms: stats(appended).p50Ms,
    appendedP99Ms: stats(appended).p99Ms,
    stagesP50Ms: {
      sendToPredictionReceived: base.p50Ms,
      predictionToTarget: stats(stages.toTarget).p50Ms,
      targetToParent: stats(stages.toParent).p50Ms,
      parentToChild: stats(stages.toChild).p50Ms,
    },
    perHopP50Ms: {
      what: 'the four hops (intake, optimizer, execution start, execution tick) split at the store recording instant (ms resolution)',
      decideAndAppend: stats(split.decideAndAppend).p50Ms,
      commitRelayNats: stats(split.commitRelayNats).p50Ms,
    },
    baseline: {
      what: 'send → PredictionReceived received the same way (intake, store, relay, NATS)',
      ...base,
    },
    httpAnswer: stats(answered),
    vsBaseline: base.p50Ms && total.p50Ms ? r2(total.p50Ms / base.p50Ms) : null,
    goal: {
      p50Ms: 5,
      p99Ms: 25,
      met: total.p50Ms !== null && total.p50Ms <= 5 && (total.p99Ms ?? Infinity) <= 25,
    },
    rate: o.rate,
    seconds: o.seconds,
    accounts: o.accounts,
    executionTickMs: o.tickMs,
    loadAverage: os.loadavg().map((x) => r2(x)),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
};
