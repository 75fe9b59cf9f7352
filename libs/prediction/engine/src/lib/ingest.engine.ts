/**
 * The prediction intake (docs/predictions-api.md): authenticates, limits, reads, admits and
 * records predictions, and answers the same way whichever transport brought them (`submit`
 * is the one function HTTP and NATS call).
 *
 * Recording goes through the shared command handler, one stream per idempotency key
 * (prediction.record.ts): the handler loads the key's stream, the domain decides (record,
 * replay the first answer, or refuse a conflict) and the handler appends expecting no stream,
 * so two replicas racing on one key cannot both record it. Every accepted prediction is
 * durably stored before its 2xx: concurrent requests' appends are issued in the same turn of
 * the event loop and the embedded store writes them in one transaction (group commit).
 *
 * The cache of keys seen is bounded (an LRU); a key it has forgotten is answered from its
 * stream, so idempotency holds for as long as the log does, across restarts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { Counter, Histogram, Registry } from 'prom-client';
import { describeError, KeelError, newEvent, NewEvent } from '@keel/events';
import { EventStore } from '@keel/event-store';
import { Clock, createCommandHandler, Logger } from '@keel/runtime';
import {
  Accepted,
  acceptedOf,
  admit,
  AdmissionContext,
  Admitted,
  checkTimely,
  Bucket,
  conflict,
  decideRecord,
  evolveRecord,
  fullBucket,
  INTAKE_HEADERS,
  IntakeReply,
  IntakeRequest,
  parseSignatureHeader,
  PredictionRecord,
  PredictionSubmission,
  predictionEventId,
  predictionStream,
  RateLimit,
  readSubmission,
  RecordDecision,
  Refusal,
  refusal,
  refusalReply,
  REFUSAL_STATUS,
  receivedData,
  RefusalCode,
  sameContent,
  take,
} from '@keel/prediction-domain';

/** A key a model signs with. Several keys may belong to one model (rotation). */
export interface ModelKey {
  readonly keyId: string;
  readonly modelId: string;
  readonly secret: string;
}

export interface IngestSettings {
  readonly keys: readonly ModelKey[];
  readonly knownInstrument: (instrument: string) => boolean;
  /** Per model, in predictions. */
  readonly rateLimit: RateLimit;
  /** How far a signature's `t` may be from the clock (default 300 s). */
  readonly signatureToleranceSec?: number;
  /** How far ahead of the clock an `asOf` may be (default 5 s). */
  readonly futureSkewMs?: number;
  /** Keys remembered in memory (default 100,000); older ones are read from their stream. */
  readonly cachedKeys?: number;
  /** How long an append waits out a store outage before answering 503 (default 5 s). */
  readonly outageBudgetMs?: number;
  /** The events' `producer` (default `prediction-ingest`). */
  readonly producer?: string;
}

export interface IngestPorts {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where the intake's metrics are registered (the app's registry); none in unit specs. */
  readonly registry?: Registry;
}

export interface IngestStats {
  readonly accepted: number;
  readonly replayed: number;
  readonly refused: Readonly<Partial<Record<RefusalCode, number>>>;
}

export interface IngestEngine {
  readonly submit: (request: IntakeRequest) => Promise<IntakeReply>;
  stats(): IngestStats;
  /** Counts a refusal a transport made before the intake saw the request (413, 415, 404). */
  refusedByTransport(transport: IntakeRequest['transport']): (code: RefusalCode) => void;
  /** No new requests are taken (503); resolves once those in flight are answered. */
  stop(): Promise<void>;
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

const metricsOn = (registry: Registry | undefined) => {
  const registers = registry ? [registry] : [];
  return {
    accepted: new Counter({
      name: 'predictions_accepted_total',
      help: 'Predictions recorded',
      labelNames: ['transport'] as const,
      registers,
    }),
    replayed: new Counter({
      name: 'predictions_duplicate_total',
      help: 'Predictions sent again with the same key and content (answered, not recorded)',
      labelNames: ['transport'] as const,
      registers,
    }),
    refused: new Counter({
      name: 'prediction_requests_refused_total',
      help: 'Requests refused, by reason',
      labelNames: ['transport', 'reason'] as const,
      registers,
    }),
    latency: new Histogram({
      name: 'prediction_request_duration_seconds',
      help: 'Time from a request read to its answer',
      labelNames: ['transport', 'status'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
  };
};

export const createIngestEngine = (ports: IngestPorts, settings: IngestSettings): IngestEngine => {
  const { store, clock, logger } = ports;
  const toleranceSec = settings.signatureToleranceSec ?? 300;
  const futureSkewMs = settings.futureSkewMs ?? 5000;
  const outageBudgetMs = settings.outageBudgetMs ?? 5000;
  const producer = settings.producer ?? 'prediction-ingest';
  const keys = new Map(
    settings.keys.map((k) => [k.keyId, { modelId: k.modelId, secret: Buffer.from(k.secret, 'utf8') }]),
  );
  const buckets = new Map<string, Bucket>();
  const metrics = metricsOn(ports.registry);
  const counts = { accepted: 0, replayed: 0, refused: {} as Partial<Record<RefusalCode, number>> };
  let stopping = false;
  const inFlight = new Set<Promise<unknown>>();

  const handler = createCommandHandler<PredictionRecord>({
    store,
    clock,
    fold: { initial: () => null, evolve: evolveRecord },
    maxCached: settings.cachedKeys ?? 100_000,
    outageBudgetMs,
    stopping: () => stopping,
    onOutage: (stream, err, attempt) =>
      logger.warn({ stream, attempt, err: describeError(err) }, 'event store unavailable; waiting'),
  });

  const tally = (transport: IntakeRequest['transport'], code: RefusalCode): void => {
    counts.refused[code] = (counts.refused[code] ?? 0) + 1;
    metrics.refused.inc({ transport, reason: code });
  };

  const refuse = (
    request: IntakeRequest,
    r: Refusal,
    who: { keyId?: string; modelId?: string },
    headers: Record<string, string> = {},
  ): IntakeReply => {
    tally(request.transport, r.code);
    logger.info(
      {
        reason: r.code,
        ...who,
        transport: request.transport,
        message: r.message,
        details: r.details.slice(0, 3),
      },
      'prediction request refused',
    );
    return refusalReply(r, { ...JSON_TYPE, ...headers });
  };

  /** Left: why the request is not from a model we know (401), with the key id when given. */
  const authenticate = (
    request: IntakeRequest,
  ): E.Either<{ refusal: Refusal; keyId?: string }, { keyId: string; modelId: string }> => {
    const keyId = request.header(INTAKE_HEADERS.key);
    const fail = (message: string) => E.left({ refusal: refusal('unauthenticated', message), keyId });
    if (keyId === undefined || keyId.length === 0) return fail('Keel-Key header is missing');
    const key = keys.get(keyId);
    if (!key) return fail(`Keel-Key ${keyId.slice(0, 64)} is not a key Keel knows`);
    const sig = parseSignatureHeader(request.header(INTAKE_HEADERS.signature));
    if (typeof sig === 'string') return fail(sig);
    const skew = Math.abs(clock.now() / 1000 - sig.t);
    if (skew > toleranceSec)
      return fail(
        `Keel-Signature t=${sig.t} is ${Math.round(skew)} s from Keel's clock (${new Date(clock.now()).toISOString()}); at most ${toleranceSec} s is accepted`,
      );
    const mac = createHmac('sha256', key.secret).update(`${sig.t}.`).update(request.body).digest();
    const matches = sig.v1.some((hex) => timingSafeEqual(Buffer.from(hex, 'hex'), mac));
    if (!matches) return fail('Keel-Signature does not match the body (HMAC-SHA256 of "<t>.<body>")');
    return E.right({ keyId, modelId: key.modelId });
  };

  const withinRate = (modelId: string, cost: number): number | null => {
    const now = clock.now();
    const taken = take(
      buckets.get(modelId) ?? fullBucket(settings.rateLimit, now),
      cost,
      now,
      settings.rateLimit,
    );
    buckets.set(modelId, taken.bucket);
    return taken.ok ? null : taken.retryAfterSec;
  };

  /** Records (or recognises) each admitted prediction; Left: a conflict or the store failing. */
  const record = async (
    items: readonly { at: string; prediction: Admitted; sent: PredictionSubmission }[],
    ctx: AdmissionContext,
  ): Promise<E.Either<Refusal, readonly RecordDecision[]>> => {
    // One decision per key: a batch may repeat a key (the same content is one prediction).
    const byKey = new Map<string, { at: string; prediction: Admitted; sent: PredictionSubmission }>();
    for (const item of items) {
      const seen = byKey.get(item.prediction.predictionId);
      if (seen === undefined) byKey.set(item.prediction.predictionId, item);
      else if (!sameContent(seen.prediction, item.prediction))
        return E.left(conflict(item.prediction, item.at));
    }
    const unique = [...byKey.values()].map((u) => ({ ...u, sentAt: { at: u.at, prediction: u.sent } }));
    const eventIds = unique.map(({ prediction: p }) => predictionEventId(p.modelId, p.predictionId));
    const streams = eventIds.map(predictionStream);
    // The common case, one new timely prediction, is decided on "no stream yet" and appended
    // expecting none: no read. If the key was recorded after all, the append conflicts and the
    // handler reads the stream and decides again (replay or conflict), as if it had read first.
    const optimistic = unique.length === 1 && E.isRight(checkTimely([unique[0]!.sentAt], ctx));
    if (!optimistic) {
      // A batch with a conflict or a stale new prediction is refused before any of it is
      // recorded; a recorded prediction's retry is answered even once it has expired.
      const loaded = await Promise.all(streams.map((s) => handler.load(s)()));
      const conflicts: Refusal[] = [];
      const fresh: { at: string; prediction: PredictionSubmission }[] = [];
      for (let i = 0; i < unique.length; i++) {
        const l = loaded[i]!;
        if (E.isLeft(l)) return E.left(unavailable(l.left));
        const d = decideRecord(l.right.state, unique[i]!.prediction, 0, eventIds[i]);
        if (E.isLeft(d)) conflicts.push(conflict(unique[i]!.prediction, unique[i]!.at));
        else if (d.right._tag === 'record') fresh.push(unique[i]!.sentAt);
      }
      if (conflicts.length > 0)
        return E.left(
          refusal(
            'idempotency_conflict',
            `${conflicts.length} prediction${conflicts.length === 1 ? ' was' : 's were'} recorded with other content`,
            conflicts.flatMap((c) => c.details),
          ),
        );
      const timely = checkTimely(fresh, ctx);
      if (E.isLeft(timely)) return timely;
    }
    const receivedAt = clock.now();
    const decided = await Promise.all(
      unique.map(async ({ at, prediction }, i): Promise<E.Either<Refusal, RecordDecision>> => {
        const r = await handler.handle<Refusal>(
          streams[i]!,
          (state) => {
            const d = decideRecord(state, prediction, receivedAt, eventIds[i]);
            if (E.isLeft(d)) return E.left(conflict(prediction, at));
            if (d.right._tag === 'replay') return E.right({ events: [], state });
            const recorded = d.right.recorded;
            return E.map((ev: NewEvent) => ({ events: [ev], state: recorded as PredictionRecord }))(
              eventOf(recorded.prediction, recorded.eventId, receivedAt),
            );
          },
          { assumeNew: optimistic },
        )();
        if (E.isLeft(r)) return E.left(isRefusal(r.left) ? r.left : unavailable(r.left));
        const recorded = r.right.state as NonNullable<PredictionRecord>;
        return E.right({ _tag: r.right.events.length > 0 ? 'record' : 'replay', recorded });
      }),
    );
    const failed = decided.find(E.isLeft);
    if (failed) return failed;
    return E.right(decided.map((d) => (d as E.Right<RecordDecision>).right));
  };

  const eventOf = (p: Admitted, eventId: string, receivedAt: number): E.Either<Refusal, NewEvent> =>
    E.chain((data: Parameters<typeof newEvent<'PredictionReceived'>>[2]) =>
      E.mapLeft((e: KeelError) => refusal('invalid_prediction', describeError(e)))(
        newEvent('PredictionReceived', eventId, data, {
          correlationId: eventId,
          causationId: null,
          producer,
          occurredAt: new Date(receivedAt).toISOString(),
        }) as E.Either<KeelError, NewEvent>,
      ),
    )(receivedData(p, receivedAt));

  const handle = async (request: IntakeRequest): Promise<IntakeReply> => {
    if (stopping) return refuse(request, refusal('unavailable', 'prediction-ingest is stopping; retry'), {});
    const auth = authenticate(request);
    if (E.isLeft(auth)) return refuse(request, auth.left.refusal, { keyId: auth.left.keyId?.slice(0, 64) });
    const who = auth.right;

    let body: unknown;
    try {
      const bytes = request.body;
      body = JSON.parse(
        (Buffer.isBuffer(bytes)
          ? bytes
          : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        ).toString('utf8'),
      );
    } catch (e) {
      const limited = withinRate(who.modelId, 1);
      if (limited !== null) return rateLimited(request, who, limited);
      return refuse(request, refusal('malformed_json', `the body is not JSON: ${(e as Error).message}`), who);
    }
    const predictions = (body as { predictions?: unknown } | null)?.predictions;
    const cost = Array.isArray(predictions) ? Math.max(1, predictions.length) : 1;
    const limited = withinRate(who.modelId, cost);
    if (limited !== null) return rateLimited(request, who, limited);

    const read = readSubmission(body);
    if (E.isLeft(read)) {
      const n = read.left.length;
      return refuse(
        request,
        refusal(
          'invalid_prediction',
          `${n}${n >= 20 ? '+' : ''} field${n === 1 ? ' is' : 's are'} invalid`,
          read.left,
        ),
        who,
      );
    }
    const ctx: AdmissionContext = {
      now: clock.now(),
      modelId: who.modelId,
      knownInstrument: settings.knownInstrument,
      futureSkewMs,
    };
    const admitted = admit(read.right.items, ctx);
    if (E.isLeft(admitted)) return refuse(request, admitted.left, who);
    const items = read.right.items.map(({ at, prediction: sent }, i) => ({
      at,
      sent,
      prediction: admitted.right[i]!,
    }));

    const recorded = await record(items, ctx);
    if (E.isLeft(recorded)) return refuse(request, recorded.left, who);
    const byKey = new Map(recorded.right.map((d) => [d.recorded.prediction.predictionId, d]));
    const answers: Accepted[] = items.map(({ prediction }) =>
      acceptedOf(byKey.get(prediction.predictionId)!.recorded),
    );
    const fresh = recorded.right.filter((d) => d._tag === 'record').length;
    const replays = recorded.right.length - fresh;
    counts.accepted += fresh;
    counts.replayed += replays;
    metrics.accepted.inc({ transport: request.transport }, fresh);
    if (replays > 0) metrics.replayed.inc({ transport: request.transport }, replays);
    return {
      status: 201,
      headers: { ...JSON_TYPE, ...(fresh === 0 ? { [INTAKE_HEADERS.replayed]: 'true' } : {}) },
      body: JSON.stringify(read.right.batch ? { predictions: answers } : answers[0]),
    };
  };

  const rateLimited = (
    request: IntakeRequest,
    who: { keyId: string; modelId: string },
    retryAfterSec: number,
  ): IntakeReply =>
    refuse(
      request,
      refusal(
        'rate_limited',
        `model ${who.modelId} is over its rate of ${settings.rateLimit.ratePerSec} predictions/s (bursts of ${settings.rateLimit.burst}); retry after ${retryAfterSec} s`,
      ),
      who,
      { [INTAKE_HEADERS.retryAfter]: String(retryAfterSec) },
    );

  const submit = async (request: IntakeRequest): Promise<IntakeReply> => {
    const started = process.hrtime.bigint();
    const p = handle(request).catch((e: unknown) => {
      // A defect, not bad input: answered as unavailable (retrying is safe), logged loudly.
      logger.error({ err: String(e), stack: (e as Error)?.stack }, 'prediction intake failed');
      return refusalReply(
        refusal('unavailable', 'internal error; nothing was recorded for certain, retry'),
        JSON_TYPE,
      );
    });
    inFlight.add(p);
    const reply = await p;
    inFlight.delete(p);
    metrics.latency.observe(
      { transport: request.transport, status: String(reply.status) },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    return reply;
  };

  return {
    submit,
    stats: () => ({ ...counts, refused: { ...counts.refused } }),
    refusedByTransport: (transport) => (code) => {
      tally(transport, code);
      logger.info({ reason: code, transport }, 'prediction request refused');
    },
    stop: async () => {
      stopping = true;
      await Promise.all([...inFlight]);
    },
  };
};

const isRefusal = (e: unknown): e is Refusal =>
  typeof e === 'object' && e !== null && 'code' in e && (e as Refusal).code in REFUSAL_STATUS;

const unavailable = (e: KeelError): Refusal =>
  refusal(
    'unavailable',
    `the event store is unavailable (${e._tag}); nothing was recorded for certain, retrying is safe`,
  );
