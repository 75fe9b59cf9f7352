/**
 * A stand-in for prediction-ingest in the client's specs: a real `node:http` server on
 * 127.0.0.1 (port 0) that checks `Keel-Signature` the way the server must (recomputing the
 * HMAC over the raw bytes it received, independently of the client's signBody), records every
 * request, and answers from a script, then 201.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** `t` of the signature, when it parsed. */
  readonly t: number | undefined;
  /** Whether one `v1` is the HMAC of `<t>.<body>` with the stub's secret. */
  readonly signatureValid: boolean;
}

/** A scripted answer; `hang` never answers (for timeouts). */
export type Reply =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> }
  | { readonly hang: true };

export interface IntakeStub {
  readonly baseUrl: string;
  readonly requests: readonly RecordedRequest[];
  /** Answer the next requests with these, in order; then 201 again. */
  script(...replies: readonly Reply[]): void;
  close(): Promise<void>;
}

/** Check a `t=…,v1=…[,v1=…]` header against `body`, as docs/predictions-api.md describes. */
export const verifySignature = (
  secret: string,
  header: string | undefined,
  body: Buffer,
): { readonly t: number | undefined; readonly valid: boolean } => {
  const parts = (header ?? '').split(',').map((p) => p.trim().split('='));
  const tText = parts.find(([k]) => k === 't')?.[1];
  const t = tText !== undefined && /^\d+$/.test(tText) ? Number(tText) : undefined;
  if (t === undefined) return { t, valid: false };
  const expected = createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(`${t}.`), body]))
    .digest();
  const valid = parts
    .filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v))
    .some(([, v]) => timingSafeEqual(Buffer.from(v as string, 'hex'), expected));
  return { t, valid };
};

/** 201 with an answer per prediction, as the server gives for new ones. */
const accepted = (body: Buffer, n: number): unknown => {
  const one = (p: unknown, i: number) => ({
    predictionId: (p as { predictionId?: unknown }).predictionId,
    eventId: `evt-${n}-${i}`,
    receivedAt: '2026-12-03T18:00:00.412Z',
  });
  const parsed = JSON.parse(body.toString('utf8')) as { predictions?: unknown[] };
  return Array.isArray(parsed.predictions) ? { predictions: parsed.predictions.map(one) } : one(parsed, 0);
};

export const startIntakeStub = async (secret: string): Promise<IntakeStub> => {
  const requests: RecordedRequest[] = [];
  const queue: Reply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = req.headers['keel-signature'];
      const { t, valid } = verifySignature(secret, Array.isArray(header) ? header[0] : header, body);
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        t,
        signatureValid: valid,
      });
      const reply: Reply = queue.shift() ?? {
        status: valid ? 201 : 401,
        body: valid
          ? accepted(body, requests.length)
          : { error: { status: 401, code: 'unauthenticated', message: 'bad signature', details: [] } },
      };
      if ('hang' in reply) return;
      res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    script: (...replies) => void queue.push(...replies),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
};
