/**
 * A client for `POST /v1/predictions` (docs/predictions-api.md) on Node's built-in `fetch`.
 *
 * Each send serialises its body once and sends those exact bytes on every attempt, re-signed
 * each time with a fresh timestamp from `now()`: the server refuses a `t` more than 300 s off
 * its clock, so a signature made before a long back-off would be stale, while the body (and
 * with it the idempotency key's content) must not change between attempts. Retries follow
 * retry.ts: transport errors, 5xx and 429 (after `Retry-After`) are retried up to `maxRetries`
 * times; any other 4xx is thrown at once as a PredictionRefused.
 *
 * The secret lives only in this closure and in the MAC it produces; it is not a property of
 * the client, and every error text passes through `redact`.
 */
import { signBody } from './signature';
import { PredictionRefused, PredictionUnreachable, redact } from './prediction.errors';
import type { Accepted, PredictionInput, RefusalDetail, Sent } from './prediction.types';
import {
  backoffMs,
  BackoffOptions,
  DEFAULT_BACKOFF,
  MAX_RETRY_AFTER_MS,
  retryAfterMs,
  verdictOf,
} from './retry';

export interface PredictionClientOptions {
  /** Where prediction-ingest listens, e.g. `http://127.0.0.1:8090` (a path prefix is kept). */
  readonly baseUrl: string;
  /** The key id given to the model (`Keel-Key`). */
  readonly keyId: string;
  /** The key's secret: signs requests, is never sent. */
  readonly secret: string;
  /** Epoch ms; signs with `floor(now() / 1000)`. Default `Date.now` (inject a session's clock). */
  readonly now?: () => number;
  /** Waits between attempts. Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Retries after the first attempt (so at most `maxRetries + 1` requests). Default 5. */
  readonly maxRetries?: number;
  /** Per attempt, until the whole answer is read. Default 10,000 ms. */
  readonly timeoutMs?: number;
  /** The wait before a retry when the server names none. Default 250 ms doubling to 8 s. */
  readonly backoff?: BackoffOptions;
}

export interface PredictionClient {
  /** The endpoint: `<baseUrl>/v1/predictions`. */
  readonly url: string;
  /** Send one prediction; resolves to the server's answer and whether it was a replay. */
  send(p: PredictionInput): Promise<Sent>;
  /**
   * Send a batch (`{ "predictions": [...] }`, 1 to 1,000, checked by the server as a whole);
   * resolves to the answers in request order. `replayed` is the response's header, the same on
   * every element (see Sent).
   */
  sendBatch(ps: readonly PredictionInput[]): Promise<readonly Sent[]>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const createPredictionClient = (o: PredictionClientOptions): PredictionClient => {
  const url = endpointOf(o.baseUrl);
  if (o.keyId.length === 0) throw new RangeError('keyId is empty');
  // Say that it is empty, never what it is.
  if (o.secret.length === 0) throw new RangeError('secret is empty');
  const maxRetries = o.maxRetries ?? 5;
  const timeoutMs = o.timeoutMs ?? 10_000;
  if (!Number.isInteger(maxRetries) || maxRetries < 0)
    throw new RangeError(`maxRetries must be an integer ≥ 0 (got ${String(maxRetries)})`);
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0 (got ${String(timeoutMs)})`);
  const { keyId, secret } = o;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  const backoff = o.backoff ?? DEFAULT_BACKOFF;

  /** POST `body` until it is accepted, refused, or the retries run out. */
  const post = async (body: Uint8Array): Promise<{ readonly json: unknown; readonly replayed: boolean }> => {
    for (let attempt = 1; ; attempt++) {
      const canRetry = attempt <= maxRetries;
      let status: number;
      let text: string;
      let headers: Headers;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/json',
            'Keel-Key': keyId,
            'Keel-Signature': signBody(secret, body, Math.floor(now() / 1000)),
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = res.status;
        headers = res.headers;
        text = await res.text();
      } catch (e) {
        if (!canRetry)
          throw new PredictionUnreachable(url, redact(secret, transportError(e, timeoutMs)), attempt);
        await sleep(backoffMs(attempt, backoff));
        continue;
      }
      switch (verdictOf(status)) {
        case 'accepted':
          return { json: parseJson(text, status), replayed: headers.get('idempotent-replayed') === 'true' };
        case 'retry': {
          const told = retryAfterMs(headers.get('retry-after'), now());
          if (canRetry && (told === undefined || told <= MAX_RETRY_AFTER_MS)) {
            await sleep(told ?? backoffMs(attempt, backoff));
            continue;
          }
          throw refusalOf(status, text, attempt, secret);
        }
        case 'refused':
          throw refusalOf(status, text, attempt, secret);
      }
    }
  };

  return {
    url,
    send: async (p) => {
      const { json, replayed } = await post(Buffer.from(JSON.stringify(p), 'utf8'));
      return { ...acceptedOf(json, 'the answer'), replayed };
    },
    sendBatch: async (ps) => {
      const { json, replayed } = await post(Buffer.from(JSON.stringify({ predictions: ps }), 'utf8'));
      const list = isRecord(json) ? json['predictions'] : undefined;
      if (!Array.isArray(list) || list.length !== ps.length)
        throw new Error(
          `prediction-ingest answered a batch of ${ps.length} with ${Array.isArray(list) ? `${list.length} answers` : 'no "predictions" list'}`,
        );
      return list.map((a: unknown, i) => ({ ...acceptedOf(a, `answer ${i}`), replayed }));
    },
  };
};

/** `<baseUrl>/v1/predictions`; a TypeError naming the value when it is not an http(s) URL. */
const endpointOf = (baseUrl: string): string => {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new TypeError(`baseUrl is not a URL (got ${JSON.stringify(baseUrl)})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TypeError(`baseUrl must be http or https (got ${JSON.stringify(baseUrl)})`);
  return `${baseUrl.replace(/\/+$/, '')}/v1/predictions`;
};

/**
 * A transport failure in a few words. `fetch` reports most as `TypeError: fetch failed` with
 * the useful part (`connect ECONNREFUSED 127.0.0.1:8090`) in `cause`; a timeout is a
 * `TimeoutError`. Read by shape, not `instanceof`: undici's errors may come from another realm
 * (a test runner's sandbox), where `instanceof Error` is false.
 */
const transportError = (e: unknown, timeoutMs: number): string => {
  const field = (x: unknown, name: string): string | undefined => {
    const v = isRecord(x) ? x[name] : undefined;
    return typeof v === 'string' && v.length > 0 ? v : undefined;
  };
  if (field(e, 'name') === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const message = field(e, 'message') ?? String(e);
  const cause = isRecord(e) ? e['cause'] : undefined;
  const why = field(cause, 'message') ?? field(cause, 'code');
  return why === undefined ? message : `${message}: ${why}`;
};

const isRecord = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

const parseJson = (text: string, status: number): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`prediction-ingest answered ${status} with a body that is not JSON`);
  }
};

/** An Accepted from the server's JSON, or an Error saying which field is missing. */
const acceptedOf = (x: unknown, what: string): Accepted => {
  const field = (name: keyof Accepted): string => {
    const v = isRecord(x) ? x[name] : undefined;
    if (typeof v !== 'string') throw new Error(`prediction-ingest's ${what} has no string "${name}"`);
    return v;
  };
  return { predictionId: field('predictionId'), eventId: field('eventId'), receivedAt: field('receivedAt') };
};

/** The server's `{ "error": { … } }` as a PredictionRefused; any other body as `http_<status>`. */
const refusalOf = (status: number, text: string, attempts: number, secret: string): PredictionRefused => {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = undefined;
  }
  const error = isRecord(body) ? body['error'] : undefined;
  if (isRecord(error) && typeof error['code'] === 'string') {
    const message = typeof error['message'] === 'string' ? error['message'] : '';
    const details = Array.isArray(error['details']) ? error['details'].filter(isDetail) : [];
    return new PredictionRefused(
      status,
      error['code'],
      redact(secret, message),
      details.map((d) => ({
        ...d,
        message: redact(secret, d.message),
        ...(typeof d.value === 'string' ? { value: redact(secret, d.value) } : {}),
      })),
      attempts,
    );
  }
  const start = text.trim().slice(0, 200);
  return new PredictionRefused(status, `http_${status}`, redact(secret, start), [], attempts);
};

const isDetail = (x: unknown): x is RefusalDetail =>
  isRecord(x) && typeof x['path'] === 'string' && typeof x['message'] === 'string';
