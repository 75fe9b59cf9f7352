/**
 * The HTTP surface orchestrators and Prometheus talk to, on plain node:http:
 * - `GET /healthz`: 200 while the process is alive and not shutting down (liveness);
 * - `GET /readyz`: 200 only when every readiness check passes, else 503, with each
 *   check's status in the JSON body (readiness: "send me work / let me trade");
 * - `GET /metrics`: the app's registry in Prometheus text format.
 * Nothing else is served: the probes must not depend on the app's own HTTP API.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as TE from 'fp-ts/TaskEither';
import { Registry } from 'prom-client';
import { InfrastructureError, infrastructureError } from '@keel/events';
import { Logger } from '../logging/pino.logger';
import { ReadinessChecks, ReadinessReport, runChecks } from './checks.run';
import { ReadinessMonitor } from './readiness.monitor';

export interface HealthServerOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is on the result. */
  readonly port: number;
  /** Checks run on each /readyz request. Ignored when `readiness` is given. */
  readonly checks?: ReadinessChecks;
  /** A monitor whose cached result /readyz reports (cheap probes; preferred in apps). */
  readonly readiness?: ReadinessMonitor;
  /** Per-check timeout for on-request checks; default 2000 ms. */
  readonly checkTimeoutMs?: number;
  readonly metrics: Registry;
  readonly logger: Logger;
}

/** A running health server. */
export interface HealthServer {
  readonly host: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** From now on /healthz and /readyz answer 503, so traffic drains before the stop. */
  markShuttingDown(): void;
  /** Stop listening and drop open connections. Safe to call twice. */
  close(): Promise<void>;
}

const send = (res: http.ServerResponse, status: number, contentType: string, body: string): void => {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
};
const sendJson = (res: http.ServerResponse, status: number, body: unknown): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

/** Start serving /healthz, /readyz and /metrics. */
export const startHealthServer = (
  options: HealthServerOptions,
): TE.TaskEither<InfrastructureError, HealthServer> => {
  const { host, port, metrics, logger, readiness } = options;
  const checks = options.checks ?? {};
  const checkTimeoutMs = options.checkTimeoutMs ?? 2000;
  let shuttingDown = false;

  const readinessReport = async (): Promise<ReadinessReport> => {
    if (!readiness) return runChecks(checks, checkTimeoutMs);
    return readiness.last() ?? { ready: false, checks: {} };
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `method ${req.method ?? '?'} not allowed` });
    }
    switch (path) {
      case '/healthz':
        return shuttingDown
          ? sendJson(res, 503, { status: 'shutting down' })
          : sendJson(res, 200, { status: 'alive' });
      case '/readyz': {
        if (shuttingDown) return sendJson(res, 503, { ready: false, shuttingDown: true, checks: {} });
        const report = await readinessReport();
        return sendJson(res, report.ready ? 200 : 503, report);
      }
      case '/metrics':
        return send(res, 200, metrics.contentType, await metrics.metrics());
      default:
        return sendJson(res, 404, { error: `no route ${path}` });
    }
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      logger.error({ err: e, url: req.url }, 'health endpoint failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  // Probes are frequent and tiny; no reason to hold idle sockets open for long.
  server.keepAliveTimeout = 5000;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // close() alone waits for keep-alive connections (a scraper's) to go idle and time out.
      server.closeAllConnections();
    });
    return closing;
  };

  return TE.tryCatch(
    () =>
      new Promise<HealthServer>((resolve, reject) => {
        const onError = (e: Error): void => reject(e);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          server.on('error', (e) => logger.error({ err: e }, 'health server error'));
          const bound = (server.address() as AddressInfo).port;
          const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
          logger.info({ url }, 'health server listening');
          resolve({
            host,
            port: bound,
            url,
            markShuttingDown: () => {
              shuttingDown = true;
            },
            close,
          });
        });
      }),
    (e) => infrastructureError('health-server', `listen ${host}:${port}`, e),
  );
};
