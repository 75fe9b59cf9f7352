/**
 * A stand-in venue for the adapter's tests: node:http on 127.0.0.1, an ephemeral port,
 * routes answering with recorded payloads (test-data/<venue>/*.json), and a per-venue
 * signature check run on every request before routing. It records every request so tests can
 * assert exactly what ccxt sent (client ids, no broker tags, no builder fee, no resends).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface Reply {
  readonly status?: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Answer only after this long (timeouts). */
  readonly delayMs?: number;
}

export type Handler = (req: SeenRequest) => Reply;

/** Returns null when the request is properly signed (or needs no signature), else why not. */
export type Verifier = (req: SeenRequest) => { readonly error: string; readonly reply: Reply } | null;

export interface FakeVenue {
  readonly url: string;
  readonly requests: SeenRequest[];
  readonly signatureFailures: string[];
  readonly unrouted: string[];
  /** Replace (or add) the handler for `METHOD /path`; handlers run in FIFO `once` order first. */
  on(method: string, path: string, handler: Handler): void;
  /** Answer the next matching request with this handler, then fall back to `on`. */
  once(method: string, path: string, handler: Handler): void;
  count(method: string, path: string): number;
  close(): Promise<void>;
}

const TEST_DATA = join(__dirname, '..', '..', 'test-data');

interface RecordedFile {
  readonly source?: unknown;
  readonly status?: number;
  readonly response: unknown;
}

const readRecorded = (venue: string, name: string): RecordedFile => {
  const file = JSON.parse(readFileSync(join(TEST_DATA, venue, `${name}.json`), 'utf8')) as RecordedFile;
  if (typeof file.source !== 'string')
    throw new Error(`test-data/${venue}/${name}.json must say where it came from ("source")`);
  return file;
};

/** A recorded payload: the `response` member of test-data/<venue>/<name>.json (a fresh copy). */
export const recorded = <A = unknown>(venue: string, name: string): A =>
  readRecorded(venue, name).response as A;

/** A recorded error answer: its HTTP status (file's `status`, default 400) and body. */
export const recordedError = (
  venue: string,
  name: string,
  headers?: Readonly<Record<string, string>>,
): Reply => {
  const file = readRecorded(venue, name);
  return { status: file.status ?? 400, body: file.response, ...(headers === undefined ? {} : { headers }) };
};

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export const startFakeVenue = async (verify: Verifier): Promise<FakeVenue> => {
  const routes = new Map<string, Handler>();
  const queued = new Map<string, Handler[]>();
  const requests: SeenRequest[] = [];
  const signatureFailures: string[] = [];
  const unrouted: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, reply: Reply): void => {
    const write = (): void => {
      if (res.destroyed) return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    };
    if (reply.delayMs === undefined) return write();
    const t = setTimeout(() => {
      timers.delete(t);
      write();
    }, reply.delayMs);
    timers.add(t);
  };

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : (v ?? '');
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        rawQuery: url.search.replace(/^\?/, ''),
        headers,
        body,
      };
      requests.push(seen);
      const bad = verify(seen);
      if (bad !== null) {
        signatureFailures.push(`${seen.method} ${seen.path}: ${bad.error}`);
        return send(res, bad.reply);
      }
      const key = `${seen.method} ${seen.path}`;
      const next = queued.get(key)?.shift() ?? routes.get(key);
      if (next === undefined) {
        unrouted.push(key);
        return send(res, { status: 404, body: { error: `no route ${key}` } });
      }
      return send(res, next(seen));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    signatureFailures,
    unrouted,
    on: (method, path, handler) => {
      routes.set(`${method} ${path}`, handler);
    },
    once: (method, path, handler) => {
      const key = `${method} ${path}`;
      queued.set(key, [...(queued.get(key) ?? []), handler]);
    },
    count: (method, path) => requests.filter((r) => r.method === method && r.path === path).length,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
