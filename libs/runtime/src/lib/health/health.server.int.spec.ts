import * as E from 'fp-ts/Either';
import { createLogger } from '../logging/pino.logger';
import { createMetrics } from '../metrics/prom.metrics';
import { HealthServer, HealthServerOptions, startHealthServer } from './health.server';
import { createReadinessMonitor } from './readiness.monitor';

const logger = createLogger({ name: 'health-test', level: 'silent' });
const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const start = async (options: Partial<HealthServerOptions>): Promise<HealthServer> => {
  const result = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    metrics: createMetrics('health-test').registry,
    logger,
    ...options,
  })();
  if (E.isLeft(result)) throw new Error(result.left.message);
  servers.push(result.right);
  return result.right;
};

const get = async (server: HealthServer, path: string, method = 'GET') => {
  const res = await fetch(`${server.url}${path}`, { method });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

describe('health server', () => {
  it('binds a free port when asked for 0 and answers /healthz', async () => {
    const server = await start({});
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const res = await get(server, '/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ status: 'alive' });
  });

  it('is ready only when every check passes, listing each check', async () => {
    let natsUp = true;
    const server = await start({
      checks: { store: async () => true, nats: async () => natsUp },
    });
    const ok = await get(server, '/readyz');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({
      ready: true,
      checks: { store: { ok: true }, nats: { ok: true } },
    });

    natsUp = false;
    const down = await get(server, '/readyz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toMatchObject({
      ready: false,
      checks: { store: { ok: true }, nats: { ok: false, error: 'returned false' } },
    });
  });

  it('reads a hung check as not ready within the timeout', async () => {
    const server = await start({
      checks: { store: () => new Promise<boolean>(() => undefined) },
      checkTimeoutMs: 50,
    });
    const started = Date.now();
    const res = await get(server, '/readyz');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toMatchObject({
      checks: { store: { ok: false, error: 'timed out after 50 ms' } },
    });
  });

  it('serves the cached result of a readiness monitor without running checks per request', async () => {
    let calls = 0;
    const monitor = createReadinessMonitor({
      checks: { store: async () => (calls++, true) },
      intervalMs: 60_000,
    });
    const server = await start({ readiness: monitor });
    expect((await get(server, '/readyz')).status).toBe(503); // no result yet
    await monitor.checkNow();
    for (let i = 0; i < 3; i++) expect((await get(server, '/readyz')).status).toBe(200);
    expect(calls).toBe(1);
  });

  it('serves the app registry as Prometheus text', async () => {
    const metrics = createMetrics('execution');
    metrics.deadLetters.inc({ reason: 'schema' });
    const server = await start({ metrics: metrics.registry });
    const res = await get(server, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain/);
    expect(res.text).toContain('dead_letters_total{reason="schema",app="execution"} 1');
  });

  it('answers 503 on both probes once shutting down', async () => {
    const server = await start({ checks: { store: async () => true } });
    server.markShuttingDown();
    expect((await get(server, '/healthz')).status).toBe(503);
    expect((await get(server, '/readyz')).status).toBe(503);
  });

  it('rejects other paths and methods', async () => {
    const server = await start({});
    expect((await get(server, '/nope')).status).toBe(404);
    expect((await get(server, '/healthz', 'POST')).status).toBe(405);
    expect((await get(server, '/healthz', 'HEAD')).status).toBe(200);
  });

  it('reports a port already in use as an infrastructure error', async () => {
    const first = await start({});
    const second = await startHealthServer({
      host: '127.0.0.1',
      port: first.port,
      metrics: createMetrics('x').registry,
      logger,
    })();
    expect(second).toMatchObject({
      _tag: 'Left',
      left: { _tag: 'InfrastructureError', component: 'health-server', op: `listen 127.0.0.1:${first.port}` },
    });
  });

  it('closes promptly even with a keep-alive connection open, and twice', async () => {
    const server = await start({});
    await get(server, '/healthz'); // fetch keeps the connection alive
    const started = Date.now();
    await server.close();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
