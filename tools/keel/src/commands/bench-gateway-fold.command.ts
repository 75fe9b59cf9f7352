/**
 * `keel bench gateway-fold [--orders 16000] [--window 1000] [--spacing-ms 60000] [--rounds 3] [--json]`:
 * the cost of one fold step of the gateway's account log early in an account's history and
 * after `orders` orders, measured in the same run (libs/venue/engine/src/bench/account-log.bench.ts).
 */
import { benchAccountLogFold } from '@keel/venue-engine/bench';
import { intFlag, parseFlags } from '../cli.io';
import type { Command, OptionSpecs } from './command';

const OPTIONS = {
  orders: { type: 'string', valueName: 'n', description: 'orders in the history', defaultText: '16000' },
  window: {
    type: 'string',
    valueName: 'n',
    description: 'orders timed early and late in the history',
    defaultText: '1000',
  },
  'spacing-ms': {
    type: 'string',
    valueName: 'ms',
    description: 'time between two orders (the log’s time: what the 48 h horizon counts)',
    defaultText: '60000',
  },
  rounds: {
    type: 'string',
    valueName: 'n',
    description: 'timed rounds (the best is kept)',
    defaultText: '3',
  },
} as const satisfies OptionSpecs;

export const benchGatewayFoldCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const orders = intFlag('orders', flags.orders, 16_000);
    const window = intFlag('window', flags.window, 1000);
    const spacingMs = intFlag('spacing-ms', flags['spacing-ms'], 60_000);
    const rounds = intFlag('rounds', flags.rounds, 3);
    io.progress(`bench gateway-fold: ${orders} orders ${spacingMs} ms apart, ${window} timed early and late`);
    const r = benchAccountLogFold({ orders, window, spacingMs, rounds });
    io.result(
      r,
      () =>
        `fold step: ${r.earlyUsPerEvent} µs early, ${r.lateUsPerEvent} µs after ${orders - r.window} orders (${r.lateToEarly}×); ` +
        `whole refold of ${r.events} events ${r.refoldAllMs} ms; state ${r.stateBytesAtHalf} B at half, ${r.stateBytesAtEnd} B at the end`,
    );
    return 0;
  },
};
