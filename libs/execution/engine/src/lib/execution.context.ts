/**
 * What the parts of the execution engine share: its ports, settings and metrics, the view it
 * decides on, and a few small types. See execution.engine.ts for how they fit together.
 */
import { EventStore } from '@keel/event-store';
import { Clock, Logger } from '@keel/runtime';
import { ExecutionAggregate, ExecutionView, MarketOpen, Taken, TargetSettings } from '@keel/execution-domain';
import { executionMetrics } from './execution.metrics';

export interface ExecutionEngineSettings extends TargetSettings {
  readonly tickMs: number;
  /** A touch older than this (venue time) is not traded on. */
  readonly quoteMaxAgeMs: number;
  /**
   * Market hours for the 'market' pause (default: @keel/calendar's CME hours). A replay of
   * years the calendar does not cover passes the hours of its data.
   */
  readonly marketOpen?: MarketOpen;
  /**
   * Save each aggregate every this many of its events, and start a load from the latest (default
   * 200; 0: never, every load folds the whole stream): see execution.snapshot.ts.
   */
  readonly aggregateSnapshotEvery?: number;
}

export interface ExecutionContext {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ReturnType<typeof executionMetrics>;
  readonly settings: ExecutionEngineSettings;
  /** The folded view of other apps' facts, as of the last event applied. */
  view(): ExecutionView;
  /** True once the engine is stopping: outages are then returned instead of waited out. */
  stopping(): boolean;
}

export interface Cause {
  readonly correlationId: string;
  readonly causationId: string | null;
}

/** An aggregate and the targets it took up (lastTaken, started: see Taken). */
export interface Held extends Taken {
  readonly agg: ExecutionAggregate;
}

/** Per aggregate, this process only: when the decider next wants a Tick, the touch it last decided on. */
export interface Pacing {
  wakeAt: number | null;
  lastTouch: string;
  /** A missing touch was logged (once until one arrives). */
  noTouchWarned: boolean;
}

export const keyOf = (accountId: string, symbol: string): string => `${accountId} ${symbol}`;
