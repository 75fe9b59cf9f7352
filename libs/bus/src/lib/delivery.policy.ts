/**
 * What a consumer does with one delivered message, shared by both adapters so the
 * in-memory bus and NATS behave the same way (the contract suite checks it):
 *
 *   undecodable                     → dead-letter with the decode error, ack
 *   at or below the high-water mark → ack, count a duplicate
 *   type not wanted                 → ack, skip, advance the mark
 *   handler resolves                → ack, advance the mark
 *   handler rejects                 → nak with a delay; on delivery `maxDeliver`, dead-letter and ack
 *
 * The adapter turns the verdict into ack / nak / DLQ publish, then calls `settle`.
 */
import * as E from 'fp-ts/Either';
import { RecordedEvent, decodeWire, describeError } from '@keel/events';
import { ConsumeOptions, ConsumerStats, Handler } from './port';

export const DEFAULT_MAX_DELIVER = 5;

export type Verdict =
  | { readonly kind: 'applied'; readonly event: RecordedEvent }
  | { readonly kind: 'duplicate'; readonly event: RecordedEvent }
  | { readonly kind: 'skipped'; readonly event: RecordedEvent }
  | { readonly kind: 'undecodable'; readonly reason: string }
  | { readonly kind: 'retry'; readonly event: RecordedEvent; readonly reason: string }
  | { readonly kind: 'dead-letter'; readonly event: RecordedEvent; readonly reason: string };

/** The part of a verdict that must reach the DLQ before the message may be acked. */
export const needsDeadLetter = (v: Verdict): v is Extract<Verdict, { kind: 'undecodable' | 'dead-letter' }> =>
  v.kind === 'undecodable' || v.kind === 'dead-letter';

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

  constructor(options: ConsumeOptions) {
    this.mark = options.afterPosition ?? 0;
    this.wanted = options.eventTypes ? new Set(options.eventTypes) : null;
    this.maxDeliver = Math.max(1, options.maxDeliver ?? DEFAULT_MAX_DELIVER);
  }

  position(): number {
    return this.mark;
  }

  stats(): ConsumerStats {
    return { ...this.counts };
  }

  /**
   * Decide about one delivery (`deliveryCount` is 1 on the first). Runs the handler when the
   * event is new and wanted; never throws.
   */
  async judge(payload: Uint8Array, deliveryCount: number, handler: Handler): Promise<Verdict> {
    this.counts.received++;
    const decoded = decodeWire(utf8.decode(payload));
    if (E.isLeft(decoded)) return { kind: 'undecodable', reason: describeError(decoded.left) };
    const event = decoded.right;
    if (event.globalPosition <= this.mark) return { kind: 'duplicate', event };
    if (this.wanted !== null && !this.wanted.has(event.type)) return { kind: 'skipped', event };
    try {
      await handler(event);
      return { kind: 'applied', event };
    } catch (e) {
      const reason = `handler failed on delivery ${deliveryCount} of ${this.maxDeliver}: ${errorMessage(e)}`;
      return deliveryCount >= this.maxDeliver
        ? { kind: 'dead-letter', event, reason }
        : { kind: 'retry', event, reason };
    }
  }

  /** Record a verdict the adapter has carried out (acked, or dead-lettered and acked). */
  settle(v: Verdict): void {
    switch (v.kind) {
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
        break;
      case 'dead-letter':
        // Given up on: a redelivered copy must not be retried again.
        this.counts.deadLettered++;
        this.mark = v.event.globalPosition;
        break;
      case 'retry':
        break;
      default: {
        const unreachable: never = v;
        throw new Error(`unknown verdict ${JSON.stringify(unreachable)}`);
      }
    }
  }
}
