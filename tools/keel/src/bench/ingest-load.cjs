// Load generator of `keel bench ingest`, run as its own process so it does not share the
// server's event loop. Every request carries a new prediction (a new idempotency key), signed
// with the model's key as a real model would sign it. Prints one JSON line to stdout.
//   node ingest-load.cjs http <url> <keyId> <modelId> <connections> <seconds>   (secret on stdin env KEEL_BENCH_SECRET)
//   node ingest-load.cjs nats <natsUrl> <keyId> <modelId> <concurrency> <seconds>
'use strict';
const { createHmac } = require('node:crypto');

const [mode, target, keyId, modelId, conc, seconds] = process.argv.slice(2);
const secret = process.env.KEEL_BENCH_SECRET ?? '';
const concurrency = Number(conc);
const durationMs = Number(seconds) * 1000;
let n = 0;
const nextBody = () =>
  JSON.stringify({
    modelId,
    predictionId: `${process.pid}-${mode}-${n++}`,
    instrument: 'BTC/USDT:USDT',
    asOf: new Date(Date.now() - 100).toISOString(),
    horizon: 600,
    kind: 'signal',
    value: ((n % 200) - 100) / 100,
  });
const sign = (body) => {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
};
const percentile = (sorted, p) =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

const http = async () => {
  const autocannon = require('autocannon');
  const result = await autocannon({
    url: `${target}/v1/predictions`,
    connections: concurrency,
    duration: Number(seconds),
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => {
          const body = nextBody();
          return {
            ...req,
            body,
            headers: { ...req.headers, 'keel-key': keyId, 'keel-signature': sign(body) },
          };
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    perSec: result.requests.total / (result.duration || Number(seconds)),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
};

const nats = async () => {
  const { connect } = require('@nats-io/transport-node');
  const { headers } = require('@nats-io/nats-core');
  const nc = await connect({ servers: target });
  const latencies = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const deadline = Date.now() + durationMs;
  const worker = async () => {
    while (Date.now() < deadline) {
      const body = nextBody();
      const h = headers();
      h.set('keel-key', keyId);
      h.set('keel-signature', sign(body));
      const t0 = process.hrtime.bigint();
      try {
        const r = await nc.request('keel.cmd.prediction.submit', Buffer.from(body), {
          timeout: 5000,
          headers: h,
        });
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (r.headers?.get('keel-status') === '201') ok++;
        else non2xx++;
      } catch {
        errors++;
      }
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - started) / 1000;
  await nc.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    perSec: latencies.length / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    ok,
    non2xx,
    errors,
  };
};

(mode === 'nats' ? nats() : http()).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  },
);
