/**
 * What a consumer does with one delivered message, shared by both adapters so the
 * in-memory bus and NATS behave the same way (the contract suite checks it):
 *
 *   undecodable                     → dead-letter with the decode error, ack
 *   at or below the high-water mark → ack, count a duplicate
 *   type not wanted                 → ack, skip, advance the mark
 *   handler resolves                → ack, advance the mark
 *   handler rejects                 → retry IN PLACE (same message, after `retryDelayMs`), up to
 *                                     `maxDeliver` attempts in all; then dead-letter it and ack
 *
 * Retrying in place, never nak-and-redeliver, is what keeps the order in which events are
 * applied equal to stream order while many messages are in flight: nothing behind the failing
 * event is started until it is applied or dead-lettered, so the high-water mark stays exact.
 * A retry is only cut short when the consumer stops (`interrupted`): the message is then left
 * unacknowledged, nothing is recorded, and the next consumer instance sees it again.
 *
 * The adapter turns the verdict into ack / DLQ publish + ack / nak-at-stop, then calls `settle`.
 */
import * as E from 'fp-ts/Either';
import { RecordedEvent, decodeWire, describeError } from '@keel/events';
import { ConsumeOptions, ConsumerStats, Handler } from './port';

export const DEFAULT_MAX_DELIVER = 5;

export type Verdict =
  | { readonly _tag: 'applied'; readonly event: RecordedEvent }
  | { readonly _tag: 'duplicate'; readonly event: RecordedEvent }
  | { readonly _tag: 'skipped'; readonly event: RecordedEvent }
  | { readonly _tag: 'undecodable'; readonly reason: string }
  | {
      readonly _tag: 'dead-letter';
      readonly event: RecordedEvent;
      readonly reason: string;
      /** Handler attempts made (= maxDeliver): the DLQ's deliveries header. */
      readonly attempts: number;
    }
  | { readonly _tag: 'interrupted'; readonly event: RecordedEvent; readonly reason: string };

/** The part of a verdict that must reach the DLQ before the message may be acked. */
export const needsDeadLetter = (v: Verdict): v is Extract<Verdict, { _tag: 'undecodable' | 'dead-letter' }> =>
  v._tag === 'undecodable' || v._tag === 'dead-letter';

/** Deliveries (handler attempts) a dead-lettered message had; 1 for an undecodable one. */
export const attemptsOf = (v: Extract<Verdict, { _tag: 'undecodable' | 'dead-letter' }>): number =>
  v._tag === 'dead-letter' ? v.attempts : 1;

/** How the adapter lets the tracker wait between attempts. */
export interface RetryControl {
  readonly retryDelayMs: number;
  /** Wait `ms`; resolve false (at once) when the consumer is stopping: give up for now. */
  readonly pause: (ms: number) => Promise<boolean>;
  /** Told about each failed attempt that will be retried. */
  readonly onRetry?: (event: RecordedEvent, reason: string) => void;
}

const utf8 = new TextDecoder();

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The mutable side of one consumer: its high-water mark and counters. Only the consumer's
 * own loop changes it, one message at a time.
 */
export class DeliveryTracker {
  private mark: number;
  private counts = { received: 0, applied: 0, duplicates: 0, deadLettered: 0 };
  private readonly wanted: ReadonlySet<string> | null;
  readonly maxDeliver: number;
  private readonly onDeadLetter: ConsumeOptions['onDeadLetter'];

  constructor(options: ConsumeOptions) {
    this.mark = options.afterPosition ?? 0;
    this.wanted = options.eventTypes ? new Set(options.eventTypes) : null;
    this.maxDeliver = Math.max(1, options.maxDeliver ?? DEFAULT_MAX_DELIVER);
    this.onDeadLetter = options.onDeadLetter;
  }

  position(): number {
    return this.mark;
  }

  stats(): ConsumerStats {
    return { ...this.counts };
  }

  /**
   * Decide about one delivered message, running the handler (and retrying it in place) when
   * the event is new and wanted. Every attempt counts as one delivery in `received`, as a
   * redelivery would. Never throws.
   */
  async handle(payload: Uint8Array, handler: Handler, retry: RetryControl): Promise<Verdict> {
    this.counts.received++;
    const decoded = decodeWire(utf8.decode(payload));
    if (E.isLeft(decoded)) return { _tag: 'undecodable', reason: describeError(decoded.left) };
    const event = decoded.right;
    if (event.globalPosition <= this.mark) return { _tag: 'duplicate', event };
    if (this.wanted !== null && !this.wanted.has(event.type)) return { _tag: 'skipped', event };
    for (let attempt = 1; ; attempt++) {
      try {
        await handler(event);
        return { _tag: 'applied', event };
      } catch (e) {
        const reason = `handler failed on delivery ${attempt} of ${this.maxDeliver}: ${errorMessage(e)}`;
        if (attempt >= this.maxDeliver) return { _tag: 'dead-letter', event, reason, attempts: attempt };
        retry.onRetry?.(event, reason);
        if (!(await retry.pause(retry.retryDelayMs))) return { _tag: 'interrupted', event, reason };
        this.counts.received++;
      }
    }
  }

  /** Record a verdict the adapter has carried out (acked, or dead-lettered and acked). */
  settle(v: Verdict): void {
    switch (v._tag) {
      case 'applied':
        this.counts.applied++;
        this.mark = v.event.globalPosition;
        break;
      case 'duplicate':
        this.counts.duplicates++;
        break;
      case 'skipped':
        this.mark = v.event.globalPosition;
        break;
      case 'undecodable':
        this.counts.deadLettered++;
        this.onDeadLetter?.('undecodable', null);
        break;
      case 'dead-letter':
        // Given up on: a redelivered copy must not be retried again.
        this.counts.deadLettered++;
        this.mark = v.event.globalPosition;
        this.onDeadLetter?.('handler_failed', v.event);
        break;
      case 'interrupted':
        // Not acked: the next consumer instance gets it again (it is above the mark).
        break;
      default: {
        const unreachable: never = v;
        throw new Error(`unknown verdict ${JSON.stringify(unreachable)}`);
      }
    }
  }
}
