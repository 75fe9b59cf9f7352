/**
 * Which prediction caused which decision, when one pass decides a burst of them.
 *
 * The engine batches every prediction that arrives while a pass runs into the next pass. Before,
 * every decision of such a pass carried the first prediction's id as its causation, so a target
 * of account B recorded that it was caused by a prediction of a model only account A follows,
 * and the prediction that did move B had no trace at all. Here each decision is caused by the
 * latest prediction in the batch, on its instrument, from a model one of its account's
 * strategies uses; failing that, the latest prediction on its instrument; failing that, the
 * batch's first (decisions with no instrument, such as a risk state change).
 */
import { EventMeta } from '@keel/events';
import { Decision, OptimizerConfig } from '@keel/portfolio-domain';

export type Cause = Pick<EventMeta, 'correlationId' | 'causationId'>;

/** The predictions of one batch: per instrument, per model, the latest one's cause (oldest first). */
export class BatchCauses {
  private readonly byInstrument = new Map<string, Map<string, Cause>>();
  private firstCause: Cause | null = null;

  add(instrument: string, modelId: string, cause: Cause): void {
    this.firstCause ??= cause;
    let models = this.byInstrument.get(instrument);
    if (!models) {
      models = new Map();
      this.byInstrument.set(instrument, models);
    }
    // Deleted first so iteration order is recency: the latest prediction of a model comes last.
    models.delete(modelId);
    models.set(modelId, cause);
  }

  get first(): Cause | null {
    return this.firstCause;
  }

  get instruments(): ReadonlySet<string> {
    return new Set(this.byInstrument.keys());
  }

  /** The cause of one decision of the pass that decided this batch. */
  causeOf(config: OptimizerConfig, d: Decision, fallback: Cause): Cause {
    const data = d.data as { readonly accountId?: unknown; readonly instrument?: unknown };
    const instrument = typeof data.instrument === 'string' ? data.instrument : null;
    const models = instrument === null ? undefined : this.byInstrument.get(instrument);
    if (!models || models.size === 0) return this.firstCause ?? fallback;
    const account = typeof data.accountId === 'string' ? config.accounts.get(data.accountId) : undefined;
    const latest = [...models.entries()].reverse();
    if (account) {
      for (const [modelId, cause] of latest)
        for (const strategy of account.budgets.keys())
          if (config.strategies.get(strategy)?.models.has(modelId)) return cause;
    }
    return latest[0]?.[1] ?? this.firstCause ?? fallback;
  }
}
