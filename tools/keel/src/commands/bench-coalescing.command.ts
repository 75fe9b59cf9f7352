/**
 * `keel bench coalescing --symbols 20 --accounts 10 [--cycles 3] [--json]`: REST calls per
 * polling cycle through the gateway's request coalescer vs one independent engine per symbol
 * per account, both measured in this run against in-memory counting adapters (they count
 * calls; no venue is contacted).
 */
import { benchCoalescing } from '@keel/venue-engine/bench';
import { intFlag, parseFlags } from '../cli.io';
import type { Command } from './command';

export const benchCoalescingCommand: Command = {
  summary: 'venue gateway: REST calls per cycle with request coalescing vs one poller per symbol per account',
  run: async (args, io) => {
    const flags = parseFlags(args, {
      symbols: { type: 'string' },
      accounts: { type: 'string' },
      cycles: { type: 'string' },
    });
    const symbols = intFlag('symbols', flags.symbols, 20);
    const accounts = intFlag('accounts', flags.accounts, 10);
    const cycles = intFlag('cycles', flags.cycles, 3);
    io.progress(
      `bench coalescing: ${symbols} symbols × ${accounts} accounts, ${cycles} cycles (counting adapters, no venue contacted)`,
    );
    const r = await benchCoalescing({ symbols, accounts, cycles });
    io.result(
      r,
      () =>
        `REST calls per cycle: ${r.restCallsPerCycle} through the gateway vs ${r.baselineRestCallsPerCycle} baseline (${r.reduction}× fewer); ` +
        `request weight ${r.restWeightPerCycle} vs ${r.baselineRestWeightPerCycle} (${r.weightReduction}×)`,
    );
    return 0;
  },
};
