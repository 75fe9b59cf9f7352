/**
 * For the model's specs: a miniature prediction-ingest on a real `node:http` server
 * (127.0.0.1, port 0) with the rules of docs/predictions-api.md that a producer meets — the
 * key and the signature (HMAC recomputed over the raw bytes, `t` within 300 s), the key's
 * model, staleness and future `asOf`, and idempotency (the same id with the same content is
 * answered again with `Idempotent-Replayed: true`, with other content 409). Single
 * predictions only; "same content" is the same JSON text, enough for one client.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PredictionInput } from '@keel/prediction-client';

export interface MiniIntake {
  readonly baseUrl: string;
  /** The predictions recorded (not replays, not refusals), in arrival order. */
  readonly recorded: readonly PredictionInput[];
  /** Every refusal's code, in order. */
  readonly refusals: readonly string[];
  close(): Promise<void>;
}

export interface MiniIntakeOptions {
  readonly keyId: string;
  readonly secret: string;
  readonly modelId: string;
  /** The intake's clock (epoch ms). Default Date.now. */
  readonly now?: () => number;
}

const signatureOk = (secret: string, header: string, body: Buffer, nowMs: number): boolean => {
  const entries = header.split(',').map((p) => p.split('='));
  const t = Number(entries.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(t - nowMs / 1000) > 300) return false;
  const mac = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  return entries.some(
    ([k, v]) =>
      k === 'v1' && /^[0-9a-f]{64}$/.test(v ?? '') && timingSafeEqual(Buffer.from(v ?? '', 'hex'), mac),
  );
};

export const startMiniIntake = async (o: MiniIntakeOptions): Promise<MiniIntake> => {
  const now = o.now ?? Date.now;
  const recorded: PredictionInput[] = [];
  const refusals: string[] = [];
  const answers = new Map<string, { readonly content: string; readonly answer: string }>();

  const reply = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, status: number, code: string, message: string) => {
    refusals.push(code);
    reply(res, status, { error: { status, code, message, details: [] } });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    if (req.method !== 'POST' || req.url !== '/v1/predictions')
      return refuse(res, 404, 'not_found', 'no route');
    const signature = req.headers['keel-signature'];
    if (
      req.headers['keel-key'] !== o.keyId ||
      typeof signature !== 'string' ||
      !signatureOk(o.secret, signature, body, now())
    )
      return refuse(res, 401, 'unauthenticated', 'bad key or signature');
    const text = body.toString('utf8');
    const p = JSON.parse(text) as PredictionInput;
    if (p.modelId !== o.modelId) return refuse(res, 403, 'forbidden_model', `not ${o.modelId}`);
    const asOf = Date.parse(p.asOf);
    const key = `${p.modelId}\u0000${p.predictionId}`;
    const seen = answers.get(key);
    if (seen !== undefined)
      return seen.content === text
        ? reply(res, 201, seen.answer, { 'Idempotent-Replayed': 'true' })
        : refuse(res, 409, 'idempotency_conflict', 'recorded with other content');
    if (asOf + (p.ttl ?? p.horizon) * 1000 < now())
      return refuse(res, 422, 'stale_prediction', 'asOf + ttl passed');
    if (asOf > now() + 5000) return refuse(res, 422, 'prediction_from_future', 'asOf ahead');
    const answer = JSON.stringify({
      predictionId: p.predictionId,
      eventId: `evt-${recorded.length + 1}`,
      receivedAt: new Date(now()).toISOString(),
    });
    answers.set(key, { content: text, answer });
    recorded.push(p);
    reply(res, 201, answer);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    recorded,
    refusals,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
};
