/**
 * A loopback HTTP shim for the venue port: `serveVenue(adapter)` exposes any `VenueAdapter`
 * on 127.0.0.1, `httpVenueAdapter(url)` is a `VenueAdapter` that calls it. It lets a venue
 * live in another process than the gateway (the SIGKILL test hosts the simulator in the test
 * process, so the venue survives every kill of the gateway). One POST per call; decimals
 * travel as `{ "$d": "1.5" }`. A transport failure is `VenueUnavailable` (outcome unknown).
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { VENUE_OPS, VenueAdapter, VenueError, VenueOp } from '@keel/venue-domain';

const encode = (v: unknown): unknown => {
  if (Decimal.isDecimal(v)) return { $d: (v as Decimal).toFixed() };
  if (Array.isArray(v)) return v.map(encode);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
};

const decode = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o['$d'] === 'string' && Object.keys(o).length === 1) return new Decimal(o['$d']);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
};

const CALLS = [
  'loadInstruments',
  'fetchTopOfBook',
  'fetchTrades',
  'fetchBalances',
  'fetchPositions',
  'fetchOpenOrders',
  'placeOrder',
  'cancelOrder',
  'fetchOrderByClientId',
  'fetchFills',
  'fetchFunding',
  'fetchAccount',
] as const;
type Call = (typeof CALLS)[number];

type Reply =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: VenueError };

export interface VenueServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serve `adapter` on 127.0.0.1 (port 0 = any free port). `onCall` sees each call (for tests). */
export const serveVenue = async (
  adapter: VenueAdapter,
  opts: { readonly port?: number; readonly onCall?: (call: Call, args: readonly unknown[]) => void } = {},
): Promise<VenueServer> => {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      void (async () => {
        try {
          const { call, args } = JSON.parse(body) as { call: string; args: unknown[] };
          if (req.url === '/meta') {
            res.end(
              JSON.stringify({
                venue: adapter.venue,
                accountId: adapter.accountId,
                weights: Object.fromEntries(VENUE_OPS.map((op) => [op, adapter.weight(op)])),
              }),
            );
            return;
          }
          if (!(CALLS as readonly string[]).includes(call)) throw new Error(`unknown call ${call}`);
          const decoded = decode(args) as unknown[];
          opts.onCall?.(call as Call, decoded);
          const fn = adapter[call as Call] as (...a: unknown[]) => TE.TaskEither<VenueError, unknown>;
          const r = await fn.apply(adapter, decoded)();
          const reply: Reply = E.isRight(r)
            ? { ok: true, value: encode(r.right) }
            : { ok: false, error: r.left };
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(reply));
        } catch (e) {
          res.statusCode = 500;
          res.end(String(e));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** A `VenueAdapter` calling a venue served by `serveVenue` at `url`. */
export const httpVenueAdapter = async (
  url: string,
  timeoutMs = 10_000,
): Promise<E.Either<VenueError, VenueAdapter>> => {
  const unavailable = (op: string, message: string): VenueError => ({
    _tag: 'VenueUnavailable',
    venue: 'http',
    op,
    message,
  });
  let meta: { venue: string; accountId: string; weights: Record<VenueOp, number> };
  try {
    const r = await fetch(`${url}/meta`, {
      method: 'POST',
      body: JSON.stringify({ call: 'meta', args: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    meta = (await r.json()) as typeof meta;
  } catch (e) {
    return E.left(unavailable('meta', String(e)));
  }
  const call =
    <A>(name: Call, ...args: unknown[]): TE.TaskEither<VenueError, A> =>
    async () => {
      try {
        const r = await fetch(`${url}/call`, {
          method: 'POST',
          body: JSON.stringify({ call: name, args: encode(args) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (r.status !== 200) return E.left(unavailable(name, `HTTP ${r.status}: ${await r.text()}`));
        const reply = (await r.json()) as Reply;
        return reply.ok ? E.right(decode(reply.value) as A) : E.left(reply.error);
      } catch {
        return E.left({ _tag: 'VenueTimeout', venue: meta.venue, op: name, ms: timeoutMs } as VenueError);
      }
    };
  return E.right({
    venue: meta.venue,
    accountId: meta.accountId,
    weight: (op) => meta.weights[op] ?? 1,
    loadInstruments: () => call('loadInstruments'),
    fetchTopOfBook: (symbol) => call('fetchTopOfBook', symbol),
    fetchTrades: (symbol, since) => call('fetchTrades', symbol, since),
    fetchBalances: () => call('fetchBalances'),
    fetchPositions: () => call('fetchPositions'),
    fetchOpenOrders: (symbol) => call('fetchOpenOrders', symbol),
    placeOrder: (order) => call('placeOrder', order),
    cancelOrder: (symbol, cid) => call('cancelOrder', symbol, cid),
    fetchOrderByClientId: (symbol, cid) => call('fetchOrderByClientId', symbol, cid),
    fetchFills: (symbol, since) => call('fetchFills', symbol, since),
    fetchFunding: (since) => call('fetchFunding', since),
    // The venue's raw bodies pass through as JSON (strings stay strings: no `$d` in them).
    fetchAccount: () => call('fetchAccount'),
    close: async () => undefined,
  });
};
