/**
 * Production wiring of balance-aggregator: config → ports → the PnL engine (@keel/pnl-engine).
 */
import { AppMainSpec } from '@keel/runtime';
import { startPnlEngine } from '@keel/pnl-engine';

export const balanceAggregatorMain: AppMainSpec<Record<string, never>> = {
  name: 'balance-aggregator',
  defaultHttpPort: 8085,
  start: (ports, config) => startPnlEngine(ports, { snapshotEvery: config.snapshotEvery }),
};
