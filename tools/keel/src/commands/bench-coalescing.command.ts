/**
 * `keel bench coalescing --symbols 20 --accounts 10 [--cycles 3] [--json]`: REST calls per
 * polling cycle through the gateway's request coalescer vs one independent engine per symbol
 * per account, both measured in this run against in-memory counting adapters (they count
 * calls; no venue is contacted).
 */
import { benchCoalescing } from '@keel/venue-engine/bench';
import { intFlag, parseFlags } from '../cli.io';
import type { Command, OptionSpecs } from './command';

const OPTIONS = {
  symbols: { type: 'string', valueName: 'n', description: 'symbols every account trades', defaultText: '20' },
  accounts: { type: 'string', valueName: 'n', description: 'accounts at the venue', defaultText: '10' },
  cycles: { type: 'string', valueName: 'n', description: 'polling cycles to count', defaultText: '3' },
} as const satisfies OptionSpecs;

export const benchCoalescingCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
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
