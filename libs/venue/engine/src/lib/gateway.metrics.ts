/**
 * The gateway's own Prometheus series, on the app's registry (served at /metrics):
 * - `venue_requests{account,kind="requested"|"sent"}`: reads asked of the coalescer vs calls
 *   that reached the venue (their ratio is the coalescing saving);
 * - `venue_cached_reads{account}`: reads the coalescer holds (in flight or still shareable):
 *   flat over time, whatever the uptime;
 * - `venue_budget_tokens{account,bucket}` and `venue_budget_paused_seconds{account}`: what is
 *   left of each rate-limit bucket, and how long the venue told us to back off;
 * - `gateway_placements_total{outcome}`: placement outcomes (accepted, rejected, cancelled,
 *   in_doubt = still unknown after look-ups, to be retried);
 * - `gateway_cycle_seconds` and `gateway_cycle_read_errors_total`: the polling cycle;
 * - `gateway_account_halted{account}`: 1 while an account takes no new orders (credentials refused).
 * Gauges are read at scrape time from the coalescers and budgets, so nothing is kept twice.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AccountPhase } from './command-gate';
import { CoalescingAdapter } from './request-coalescer';
import { RateBudget } from './rate-budget';

export interface GatewayMetrics {
  readonly placements: Counter<'outcome'>;
  readonly cycleSeconds: Histogram;
  readonly cycleReadErrors: Counter;
}

export const registerGatewayMetrics = (
  registry: Registry,
  sources: {
    readonly venues: ReadonlyMap<string, CoalescingAdapter>;
    readonly budgets: ReadonlyMap<string, RateBudget>;
    readonly phases: Readonly<Record<string, { readonly phase: AccountPhase }>>;
    readonly now: () => number;
  },
): GatewayMetrics => {
  const registers = [registry];
  new Gauge({
    name: 'venue_requests',
    help: 'Venue reads asked of the coalescer (requested) and calls that reached the venue (sent)',
    labelNames: ['account', 'kind'] as const,
    registers,
    collect() {
      for (const [account, v] of sources.venues) {
        const s = v.stats();
        this.set({ account, kind: 'requested' }, s.requested);
        this.set({ account, kind: 'sent' }, s.sent);
      }
    },
  });
  new Gauge({
    name: 'venue_cached_reads',
    help: 'Reads the coalescer holds now (in flight, or settled and still shareable)',
    labelNames: ['account'] as const,
    registers,
    collect() {
      for (const [account, v] of sources.venues) this.set({ account }, v.cachedReads());
    },
  });
  new Gauge({
    name: 'venue_budget_tokens',
    help: 'Tokens left in each rate-limit bucket of the account (shared buckets listed under every account)',
    labelNames: ['account', 'bucket'] as const,
    registers,
    collect() {
      for (const [account, b] of sources.budgets)
        b.state().buckets.forEach((bucket, i) => this.set({ account, bucket: String(i) }, bucket.tokens));
    },
  });
  new Gauge({
    name: 'venue_budget_paused_seconds',
    help: 'How much longer the venue asked us to send nothing',
    labelNames: ['account'] as const,
    registers,
    collect() {
      const now = sources.now();
      for (const [account, b] of sources.budgets)
        this.set({ account }, Math.max(0, b.state().pausedUntil - now) / 1000);
    },
  });
  new Gauge({
    name: 'gateway_account_halted',
    help: '1 while the account takes no new orders',
    labelNames: ['account'] as const,
    registers,
    collect() {
      for (const [account, p] of Object.entries(sources.phases))
        this.set({ account }, p.phase === 'Halted' ? 1 : 0);
    },
  });
  return {
    placements: new Counter({
      name: 'gateway_placements_total',
      help: 'Placement outcomes',
      labelNames: ['outcome'] as const,
      registers,
    }),
    cycleSeconds: new Histogram({
      name: 'gateway_cycle_seconds',
      help: 'Duration of one polling cycle',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    cycleReadErrors: new Counter({
      name: 'gateway_cycle_read_errors_total',
      help: 'Venue reads that failed in a polling cycle (asked again next cycle)',
      registers,
    }),
  };
};
