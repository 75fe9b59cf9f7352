/**
 * The projection an app shell starts with before its domain logic exists: how many events
 * of each type it has applied. It exercises the whole path (snapshot, replay, consume) and
 * shows on /metrics and in logs that an app sees its inputs; domain issues replace it.
 */
import { EventType } from '@keel/events';
import { FoldingApp, Projection } from './app.definition';

export interface Tally {
  readonly counts: Readonly<Partial<Record<EventType, number>>>;
}

export const tallyProjection = (eventTypes: readonly EventType[]): Projection<Tally> => ({
  version: 1,
  initial: { counts: {} },
  eventTypes,
  evolve: (state, event) => ({
    counts: { ...state.counts, [event.type]: (state.counts[event.type] ?? 0) + 1 },
  }),
});

export const tallyApp = (name: string, eventTypes: readonly EventType[]): FoldingApp<Tally> => ({
  name,
  projection: tallyProjection(eventTypes),
});
