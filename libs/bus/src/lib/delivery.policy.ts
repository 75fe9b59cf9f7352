/**
 * What a consumer does with one delivered message, shared by both adapters so the
 * in-memory bus and NATS behave the same way (the contract suite checks it). The position
 * is taken from the relay's `Keel-Position` header, never from the payload, which anyone who
 * can publish could forge:
 *
 *   undecodable, no position header        → dead-letter (garbage, not from the relay), ack
 *   decodes but header missing, malformed,
 *   unlike the payload's, past the store, or
 *   stamped by another store               → dead-letter as untrusted, ack; the mark stays
 *   undecodable with a position header     → poison: a stored event this version cannot read
 *   at or below the high-water mark        → ack, count a duplicate
 *   past mark + 1 with `fillGap` given     → the events between were not delivered: fill them
 *                                            from the store first, then go on as below
 *   type not wanted                        → ack, skip, advance the mark
 *   handler resolves                       → ack, advance the mark
 *   handler rejects with a PoisonEventError → poison
 *   handler rejects otherwise              → retry IN PLACE for as long as it fails (a store or
 *                                            venue outage is waited out), backing off from
 *                                            `retryDelayMs` to MAX_RETRY_DELAY_MS; after
 *                                            `alarmAfter` attempts the consumer reports itself
 *                                            stalled (readiness false) until the event applies
 *   poison                                 → the consumer halts: nothing is acked or skipped,
 *                                            it alarms naming the event; a restart (after a
 *                                            fix) tries the same event again
 *
 * So the mark never passes an event that was not folded: only messages that did not come
 * from the relay are dead-lettered. Retrying in place, never nak-and-redeliver, is what keeps
 * the order in which events are applied equal to stream order while many messages are in
 * flight: nothing behind the failing event is started until it is applied. A retry is only
 * cut short when the consumer stops (`interrupted`): the message is then left unacknowledged,
 * nothing is recorded, and the next consumer instance sees it again.
 *
 * The adapter turns the verdict into ack / DLQ publish + ack / nak-at-stop / halt, then calls
 * `settle`.
 */
import * as E from 'fp-ts/Either';
import { RecordedEvent, decodeWire, describeError } from '@keel/events';
import { POSITION_HEADER, STORE_HEADER, parsePositionHeader } from './bus.headers';
import { ConsumeOptions, ConsumerHealth, ConsumerStats, DeadLetterReason, Handler, isPoison } from './port';

/** Handler attempts on one event before the consumer reports itself stalled. */
export const DEFAULT_ALARM_AFTER = 5;
/** The longest pause between two attempts on a failing event. */
export const MAX_RETRY_DELAY_MS = 30_000;

export type Verdict =
  | { readonly _tag: 'applied'; readonly event: RecordedEvent; readonly position: number }
  | { readonly _tag: 'duplicate'; readonly event: RecordedEvent }
  | { readonly _tag: 'skipped'; readonly event: RecordedEvent; readonly position: number }
  | {
      readonly _tag: 'dead-letter';
      readonly why: DeadLetterReason;
      readonly event: RecordedEvent | null;
      readonly reason: string;
    }
  | {
      readonly _tag: 'poison';
      readonly eventId: string | null;
      readonly position: number;
      readonly reason: string;
    }
  | { readonly _tag: 'interrupted'; readonly event: RecordedEvent; readonly reason: string };

/** How the adapter lets the tracker wait between attempts and tell about a failing event. */
export interface RetryControl {
  /** The first pause; each further pause doubles, up to MAX_RETRY_DELAY_MS. */
  readonly retryDelayMs: number;
  /** Wait `ms`; resolve false (at once) when the consumer is stopping: give up for now. */
  readonly pause: (ms: number) => Promise<boolean>;
  /** Told about each failed attempt that will be retried. */
  readonly onRetry?: (event: RecordedEvent, reason: string, attempt: number) => void;
}

const utf8 = new TextDecoder();

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Pause before attempt `attempt + 1`: doubling from `first`, capped. */
export const retryDelay = (first: number, attempt: number): number =>
  Math.min(MAX_RETRY_DELAY_MS, first * 2 ** Math.min(attempt - 1, 20));

/**
 * The mutable side of one consumer: its high-water mark, counters and health. Only the
 * consumer's own loop changes it, one message at a time.
 */
export class DeliveryTracker {
  private mark: number;
  private counts = { received: 0, applied: 0, duplicates: 0, deadLettered: 0, gapsFilled: 0 };
  private readonly wanted: ReadonlySet<string> | null;
  readonly alarmAfter: number;
  private current: ConsumerHealth = { state: 'flowing' };
  private readonly options: ConsumeOptions;

  constructor(options: ConsumeOptions) {
    this.options = options;
    this.mark = options.afterPosition ?? 0;
    this.wanted = options.eventTypes ? new Set(options.eventTypes) : null;
    this.alarmAfter = Math.max(1, options.alarmAfter ?? DEFAULT_ALARM_AFTER);
  }

  position(): number {
    return this.mark;
  }

  stats(): ConsumerStats {
    return { ...this.counts };
  }

  health(): ConsumerHealth {
    return this.current;
  }

  private setHealth(h: ConsumerHealth): void {
    this.current = h;
    this.options.onHealth?.(h);
  }

  /**
   * Decide about one delivered message, running the handler (and retrying it in place) when
   * the event is new and wanted. `header` reads the message's headers. Every attempt counts
   * as one delivery in `received`, as a redelivery would. Never throws.
   */
  async handle(
    payload: Uint8Array,
    header: (name: string) => string | undefined,
    handler: Handler,
    retry: RetryControl,
  ): Promise<Verdict> {
    this.counts.received++;
    const raw = header(POSITION_HEADER);
    const stamped = raw === undefined ? undefined : parsePositionHeader(raw);
    const decoded = decodeWire(utf8.decode(payload));
    if (E.isLeft(decoded)) {
      const reason = describeError(decoded.left);
      // The relay stamped it, so it is in the store: folding past it would build a wrong state.
      if (stamped?.ok)
        return {
          _tag: 'poison',
          eventId: null,
          position: stamped.position,
          reason: `the event at position ${stamped.position} does not decode: ${reason}`,
        };
      return { _tag: 'dead-letter', why: 'undecodable', event: null, reason };
    }
    const event = decoded.right;
    const untrusted = (reason: string): Verdict => ({ _tag: 'dead-letter', why: 'untrusted', event, reason });
    if (stamped === undefined) return untrusted(`no ${POSITION_HEADER} header: not published by the relay`);
    if (!stamped.ok) return untrusted(stamped.reason);
    const position = stamped.position;
    if (position !== event.globalPosition)
      return untrusted(
        `${POSITION_HEADER} ${position} differs from the payload's globalPosition ${event.globalPosition}`,
      );
    const origin = header(STORE_HEADER);
    if (
      this.options.storeIdentity !== undefined &&
      origin !== undefined &&
      origin !== this.options.storeIdentity
    )
      return untrusted(
        `published from store ${origin}, not from this app's store ${this.options.storeIdentity}`,
      );
    if (position <= this.mark) return { _tag: 'duplicate', event };
    const gap = this.options.fillGap !== undefined && position > this.mark + 1;
    const wanted = this.wanted === null || this.wanted.has(event.type);
    if (!wanted && !gap) return { _tag: 'skipped', event, position };
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.options.verifyPosition && !(await this.options.verifyPosition(position)))
          return untrusted(`position ${position} is past the store's head: not an event of the store`);
        // Events before this one were not delivered: apply them from the store first.
        if (gap && this.mark < position - 1) {
          await this.options.fillGap?.(this.mark, position);
          this.mark = position - 1;
          this.counts.gapsFilled++;
        }
        if (!wanted) return { _tag: 'skipped', event, position };
        await handler(event);
        if (this.current.state === 'stalled') this.setHealth({ state: 'flowing' });
        return { _tag: 'applied', event, position };
      } catch (e) {
        if (isPoison(e))
          return {
            _tag: 'poison',
            eventId: event.eventId,
            position,
            reason: `${event.type} at position ${position} cannot be applied: ${errorMessage(e)}`,
          };
        const reason = `handler failed on attempt ${attempt}: ${errorMessage(e)}`;
        if (attempt === this.alarmAfter)
          this.setHealth({ state: 'stalled', eventId: event.eventId, position, attempts: attempt, reason });
        retry.onRetry?.(event, reason, attempt);
        if (!(await retry.pause(retryDelay(retry.retryDelayMs, attempt))))
          return { _tag: 'interrupted', event, reason };
        this.counts.received++;
      }
    }
  }

  /** Record a verdict the adapter has carried out (acked, dead-lettered and acked, or halted on). */
  settle(v: Verdict): void {
    switch (v._tag) {
      case 'applied':
        this.counts.applied++;
        this.mark = v.position;
        break;
      case 'duplicate':
        this.counts.duplicates++;
        break;
      case 'skipped':
        this.mark = v.position;
        break;
      case 'dead-letter':
        // Not from the relay: the mark stays where the store's events put it.
        this.counts.deadLettered++;
        this.options.onDeadLetter?.(v.why, v.event);
        break;
      case 'poison':
        this.setHealth({ state: 'halted', eventId: v.eventId, position: v.position, reason: v.reason });
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
