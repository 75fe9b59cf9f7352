/**
 * `keel bench store|bus`: platform benchmarks. Each prints one JSON object; the figures
 * and the machine go into docs/benchmarks.md. Baselines are measured in the same run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchStore } from '@keel/event-store/bench';
import { benchBus } from '@keel/bus/bench';
import { startNatsServer } from '@keel/testing';
import { intFlag, parseFlags } from '../cli.io';
import type { Command } from './command';

export const benchStoreCommand: Command = {
  summary: 'event store: batched/single append, read-all with decoding, vs the bare driver',
  run: async (args, io) => {
    const flags = parseFlags(args, {
      events: { type: 'string' },
      batch: { type: 'string' },
      dir: { type: 'string' },
    });
    const events = intFlag('events', flags.events, 100_000);
    const batchSize = intFlag('batch', flags.batch, 100);
    const dir = flags.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'keel-bench-store-'));
    io.progress(`bench store: ${events} events, batches of ${batchSize}, in ${dir}`);
    try {
      const result = await benchStore({ dir, events, batchSize });
      io.result({ ...result, events, batchSize, machine: machine() });
      return 0;
    } finally {
      if (!flags.dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const benchBusCommand: Command = {
  summary: 'NATS JetStream: publish and consume throughput, latency at 1k msg/s',
  run: async (args, io) => {
    const flags = parseFlags(args, { url: { type: 'string' }, messages: { type: 'string' } });
    const messages = intFlag('messages', flags.messages, 20_000);
    const server = flags.url ? null : await startNatsServer();
    const url = flags.url ?? server!.url;
    io.progress(
      `bench bus: ${messages} messages against ${url}${server ? ' (a nats-server started for this run)' : ''}`,
    );
    try {
      const result = await benchBus({ url, messages });
      io.result({ ...result, messages, machine: machine() });
      return 0;
    } finally {
      await server?.dispose();
    }
  },
};

const machine = () => ({
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
});
