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
import { phasedProgress } from '../progress.bar';
import type { Command, OptionSpecs } from './command';

const STORE_OPTIONS = {
  events: {
    type: 'string',
    valueName: 'n',
    description: 'events to append (and read back)',
    defaultText: '100000',
  },
  batch: { type: 'string', valueName: 'n', description: 'events per batched append', defaultText: '100' },
  dir: {
    type: 'string',
    valueName: 'dir',
    description: 'directory for the store file (kept); a temporary one otherwise',
    defaultText: 'a new temporary directory',
  },
} as const satisfies OptionSpecs;

export const benchStoreCommand: Command = {
  options: STORE_OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, STORE_OPTIONS);
    const events = intFlag('events', flags.events, 100_000);
    const batchSize = intFlag('batch', flags.batch, 100);
    const dir = flags.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'keel-bench-store-'));
    io.progress(`bench store: ${events} events, batches of ${batchSize}, in ${dir}`);
    try {
      const bars = phasedProgress('bench store');
      const result = await benchStore({ dir, events, batchSize, onProgress: bars.update }).finally(bars.done);
      io.result({ ...result, events, batchSize, machine: machine() });
      return 0;
    } finally {
      if (!flags.dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

const BUS_OPTIONS = {
  url: {
    type: 'string',
    valueName: 'url',
    description: 'NATS server to measure against',
    defaultText: 'a nats-server started for this run',
  },
  messages: {
    type: 'string',
    valueName: 'n',
    description: 'messages to publish and consume',
    defaultText: '20000',
  },
} as const satisfies OptionSpecs;

export const benchBusCommand: Command = {
  options: BUS_OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, BUS_OPTIONS);
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
