// Load generator of `keel bench pipeline`, its own process so pacing and signing do not share
// the pipeline's event loop. Sends `rate` new predictions a second for `seconds` seconds over
// HTTP (keep-alive), round-robin over the models, each model's signal alternating +0.5 / -0.5 so
// every prediction moves its model's account to a new target. Each request is signed with its
// model's key as a real model would sign it. Prints one JSON document to stdout: per request its
// prediction id, model, send and answer instants (epoch ms, sub-ms: performance.timeOrigin +
// performance.now(), comparable with the server process's) and HTTP status.
//   node pipeline-load.cjs <url> <rate> <seconds>     keys as JSON in KEEL_BENCH_KEYS: [{ keyId, modelId, secret }]
'use strict';
const http = require('node:http');
const { createHmac } = require('node:crypto');

const [url, rateArg, secondsArg] = process.argv.slice(2);
const keys = JSON.parse(process.env.KEEL_BENCH_KEYS ?? '[]');
const rate = Number(rateArg);
const total = Math.round(rate * Number(secondsArg));
const target = new URL('/v1/predictions', url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const now = () => performance.timeOrigin + performance.now();

const sign = (secret, body) => {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
};

const sent = [];
const send = (i) =>
  new Promise((resolve) => {
    const key = keys[i % keys.length];
    const round = Math.floor(i / keys.length);
    const predictionId = `p-${i}`;
    const body = JSON.stringify({
      modelId: key.modelId,
      predictionId,
      instrument: 'BTC/USDT:USDT',
      asOf: new Date(Date.now() - 50).toISOString(),
      horizon: 600,
      kind: 'signal',
      value: round % 2 === 0 ? 0.5 : -0.5,
    });
    const row = { predictionId, modelId: key.modelId, sentAt: 0, answeredAt: 0, status: 0 };
    sent.push(row);
    const req = http.request(target, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'keel-key': key.keyId,
        'keel-signature': sign(key.secret, body),
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        row.answeredAt = now();
        row.status = res.statusCode ?? 0;
        resolve();
      });
    });
    req.on('error', () => {
      row.answeredAt = now();
      row.status = -1;
      resolve();
    });
    row.sentAt = now();
    req.end(body);
  });

const main = async () => {
  const start = now();
  const inFlight = [];
  // Open-loop pacing: request i goes at start + i / rate, whatever the answers do (a slow
  // server gets more requests in flight, not fewer requests).
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(send(i));
  }
  await Promise.all(inFlight);
  agent.destroy();
  process.stdout.write(JSON.stringify({ startedAt: start, endedAt: now(), sent }));
};

main().catch((err) => {
  process.stderr.write(`pipeline load: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
