/**
 * Test kit of the prediction intake: a model's key, signed requests as a model would send them
 * (the signature computed here independently of the engine's check), and valid predictions.
 */
import { createHmac } from 'node:crypto';
import { INTAKE_HEADERS, IntakeReply, IntakeRequest } from '@keel/prediction-domain';
import { ModelKey } from '../lib/ingest.engine';

export const KEY: ModelKey = {
  keyId: 'key-alpha',
  modelId: 'alpha',
  secret: 'a'.repeat(24) + '-secret-for-tests',
};
export const OTHER_KEY: ModelKey = {
  keyId: 'key-beta',
  modelId: 'beta',
  secret: 'b'.repeat(24) + '-secret-for-tests',
};

/** `t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const signature = (secret: string, body: string | Uint8Array, t: number): string =>
  `t=${t},v1=${createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex')}`;

export const prediction = (over: Record<string, unknown> = {}, at = Date.parse('2026-12-03T18:00:00Z')) => ({
  modelId: KEY.modelId,
  predictionId: 'p-1',
  instrument: 'BTC/USDT:USDT',
  asOf: new Date(at - 1000).toISOString(),
  horizon: 3600,
  kind: 'signal',
  value: 0.4,
  ...over,
});

/** A request signed with `key` at `nowMs` (override any header, or the body's raw text). */
export const signedRequest = (
  body: unknown,
  nowMs: number,
  o: {
    key?: ModelKey;
    headers?: Record<string, string | undefined>;
    raw?: string;
    transport?: 'http' | 'nats';
  } = {},
): IntakeRequest => {
  const key = o.key ?? KEY;
  const text = o.raw ?? JSON.stringify(body);
  const headers: Record<string, string | undefined> = {
    [INTAKE_HEADERS.key]: key.keyId,
    [INTAKE_HEADERS.signature]: signature(key.secret, text, Math.floor(nowMs / 1000)),
    ...o.headers,
  };
  return { header: (n) => headers[n], body: Buffer.from(text, 'utf8'), transport: o.transport ?? 'http' };
};

export const json = (r: IntakeReply): Record<string, unknown> =>
  JSON.parse(r.body) as Record<string, unknown>;
export const errorOf = (r: IntakeReply) =>
  (
    json(r) as {
      error: {
        status: number;
        code: string;
        message: string;
        details: { path: string; value: unknown; message: string }[];
      };
    }
  ).error;
