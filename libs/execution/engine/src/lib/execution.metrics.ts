/** Execution's Prometheus series, on the registry the engine is given (the app's /metrics). */
import { Counter, Gauge, Registry } from 'prom-client';

export const executionMetrics = (registry: Registry) => ({
  targets: new Counter({
    name: 'execution_targets_total',
    help: 'Targets taken up, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  children: new Counter({
    name: 'execution_child_orders_total',
    help: 'Child orders requested, by kind and reason',
    labelNames: ['kind', 'reason'] as const,
    registers: [registry],
  }),
  completed: new Counter({
    name: 'execution_parent_orders_completed_total',
    help: 'Parent orders completed, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  conflicts: new Counter({
    name: 'execution_append_conflicts_total',
    help: 'Appends refused for a stale revision (re-read and decided again)',
    registers: [registry],
  }),
  reconciled: new Counter({
    name: 'execution_reconciled_events_total',
    help: 'Events recorded at start-up from the gateway log for children in flight',
    registers: [registry],
  }),
  working: new Gauge({
    name: 'execution_working_parent_orders',
    help: 'Parent orders working or superseding',
    registers: [registry],
  }),
});
