/**
 * The stored form of the parent-order decider's events: each `ParentOrderEvent` maps to a
 * catalog event (libs/events catalog.ts, owner `execution`) and back, losslessly, so the
 * execution app can keep one stream per (account, instrument) and rebuild its state by
 * folding it with `evolve`.
 *
 * - Decimals are decimal strings (`toFixed()`: never an exponent, never a float); a negative
 *   zero is stored as `0` (equal by value).
 * - Times are epoch ms in the domain and ISO-8601 UTC (ms precision) in storage; the domain
 *   only uses whole ms, which ISO carries exactly.
 * - The instrument is restored from the rules stored in `ParentOrderStarted`
 *   (`instrumentRules`), never from configuration at fold time: a fold must not change
 *   when the instrument config does.
 * - A pause or resume recorded with no parent order (parentId `''`) stores `parentOrderId: null`.
 * - `ChildOrderRequested` / `CancelRequested` are the gateway's catalog types: the domain's
 *   extra fields travel in their optional fields (seq, kind, reason, requestedAt /
 *   parentOrderId, requestedAt), which `fromStored` requires. `reduceOnly` is always false
 *   (the decider never asks for it).
 *
 * Pure: no clock, no I/O.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, validateData, ValidationError, validationError } from '@keel/events';
import { instrumentFromStored, instrumentToStored } from '@keel/instruments';
import { ExecutionQuality } from './execution.quality';
import { ParentOrderEvent } from './parent-order.state';
import { makeSchedule, Schedule } from './twap.schedule';

/** Every catalog type a parent-order stream holds (one per domain event type, same names). */
export const EXECUTION_EVENT_TYPES = [
  'ParentOrderStarted',
  'ChildOrderRequested',
  'CancelRequested',
  'ChildOrderAccepted',
  'ChildOrderRejected',
  'ChildOrderFilled',
  'ChildOrderClosed',
  'ParentOrderPaused',
  'ParentOrderResumed',
  'ParentOrderProgress',
  'ParentOrderSuperseded',
  'ParentOrderCompleted',
] as const satisfies readonly ParentOrderEvent['type'][];
export type ExecutionEventType = (typeof EXECUTION_EVENT_TYPES)[number];

/** A domain event in its catalog form: `newEvent(type, eventIdFor(...), data, meta)` stores it. */
export type StoredExecutionEvent = {
  [K in ExecutionEventType]: { readonly type: K; readonly data: EventData<K> };
}[ExecutionEventType];

/** What the stream is about, and what the domain event does not carry itself. */
export interface StreamContext {
  readonly accountId: string;
  /** Keel's instrument symbol (`Instrument.symbol`). */
  readonly instrument: string;
  /** The TargetPositionSet event id a ParentOrderStarted executes, when known (stored, not folded). */
  readonly targetId?: string | null;
  /** Execution quality for a ParentOrderCompleted, when the app computed it (stored, not folded). */
  readonly quality?: ExecutionQuality;
  /** The instrument's market totals when a ParentOrderStarted was decided (stored, not folded). */
  readonly marketAtStart?: EventData<'ParentOrderStarted'>['marketAtStart'];
}

const dec = (d: Decimal): string => d.toFixed();
const decOrNull = (d: Decimal | null): string | null => (d === null ? null : d.toFixed());
const iso = (t: number): string => new Date(t).toISOString();

type StoredSchedule = EventData<'ParentOrderStarted'>['schedule'];
const scheduleToStored = (s: Schedule): StoredSchedule => ({
  from: iso(s.from),
  to: iso(s.to),
  base: dec(s.base),
  total: dec(s.total),
  weights: [...s.weights],
  lot: dec(s.lot),
});

/** The catalog form of a domain event. */
export const toStored = (e: ParentOrderEvent, ctx: StreamContext): StoredExecutionEvent => {
  const where = { accountId: ctx.accountId, instrument: ctx.instrument };
  switch (e.type) {
    case 'ParentOrderStarted': {
      const p = e.parent;
      return {
        type: e.type,
        data: {
          accountId: p.accountId,
          instrument: p.instrument.symbol,
          parentOrderId: p.parentId,
          ...(ctx.targetId !== undefined ? { targetId: ctx.targetId } : {}),
          side: p.side,
          qty: dec(p.qty),
          fromPosition: dec(p.fromPosition),
          targetPosition: dec(p.targetPosition),
          start: iso(p.start),
          deadline: iso(p.deadline),
          urgency: p.urgency,
          limitPrice: decOrNull(p.limitPrice),
          style: p.style,
          schedule: scheduleToStored(e.schedule),
          arrivalMid: decOrNull(e.arrivalMid),
          instrumentRules: instrumentToStored(p.instrument),
          ...(ctx.marketAtStart !== undefined ? { marketAtStart: ctx.marketAtStart } : {}),
          at: iso(e.at),
        },
      };
    }
    case 'ChildOrderRequested':
      return {
        type: e.type,
        data: {
          ...where,
          parentOrderId: e.parentId,
          clientOrderId: e.clientOrderId,
          side: e.side,
          qty: dec(e.qty),
          orderType: e.orderType,
          limitPrice: decOrNull(e.limitPrice),
          postOnly: e.postOnly,
          reduceOnly: false,
          seq: e.seq,
          kind: e.kind,
          reason: e.reason,
          requestedAt: iso(e.at),
        },
      };
    case 'CancelRequested':
      return {
        type: e.type,
        data: {
          ...where,
          clientOrderId: e.clientOrderId,
          reason: e.reason,
          parentOrderId: e.parentId,
          requestedAt: iso(e.at),
        },
      };
    case 'ChildOrderAccepted':
    case 'ChildOrderClosed':
      return {
        type: e.type,
        data: { ...where, parentOrderId: e.parentId, clientOrderId: e.clientOrderId, at: iso(e.at) },
      };
    case 'ChildOrderRejected':
      return {
        type: e.type,
        data: {
          ...where,
          parentOrderId: e.parentId,
          clientOrderId: e.clientOrderId,
          code: e.code,
          at: iso(e.at),
        },
      };
    case 'ChildOrderFilled':
      return {
        type: e.type,
        data: {
          ...where,
          parentOrderId: e.parentId,
          clientOrderId: e.clientOrderId,
          tradeId: e.tradeId,
          qty: dec(e.qty),
          price: dec(e.price),
          fee: dec(e.fee),
          liquidity: e.liquidity,
          at: iso(e.at),
        },
      };
    case 'ParentOrderPaused':
      return {
        type: e.type,
        data: {
          ...where,
          parentOrderId: e.parentId === '' ? null : e.parentId,
          reason: e.reason,
          at: iso(e.at),
        },
      };
    case 'ParentOrderResumed':
      return {
        type: e.type,
        data: {
          ...where,
          parentOrderId: e.parentId === '' ? null : e.parentId,
          reason: e.reason,
          schedule: e.schedule === null ? null : scheduleToStored(e.schedule),
          at: iso(e.at),
        },
      };
    case 'ParentOrderProgress':
      return {
        type: e.type,
        data: {
          ...where,
          parentOrderId: e.parentId,
          slice: e.slice,
          filled: dec(e.filled),
          scheduled: dec(e.scheduled),
          at: iso(e.at),
        },
      };
    case 'ParentOrderSuperseded':
      return {
        type: e.type,
        data: {
          ...where,
          parentOrderId: e.parentId,
          next: {
            targetId: e.next.targetId,
            targetPosition: dec(e.next.targetPosition),
            deadline: iso(e.next.deadline),
            slices: e.next.slices,
            urgency: e.next.urgency,
            limitPrice: decOrNull(e.next.limitPrice),
          },
          at: iso(e.at),
        },
      };
    case 'ParentOrderCompleted':
      return {
        type: e.type,
        data: {
          ...where,
          parentOrderId: e.parentId,
          reason: e.reason,
          filled: dec(e.filled),
          residual: dec(e.residual),
          ...(ctx.quality ? { quality: ctx.quality } : {}),
          at: iso(e.at),
        },
      };
    default: {
      const never: never = e;
      return never;
    }
  }
};

/**
 * The event's id, derived from its causes (stream, type, parent order and what makes the
 * event unique within it), so the same decision re-made or re-written after a crash is the
 * same event and the store de-duplicates it. Distinct events of one stream get distinct ids
 * (a pause/resume of the same reason twice in the same ms would not: the decider never does that
 * within one Pause/Resume pair, and the app folds before it decides again).
 */
export const eventIdFor = (
  e: ParentOrderEvent,
  ctx: Pick<StreamContext, 'accountId' | 'instrument'>,
): string => {
  const id = (...cause: readonly (string | number)[]): string =>
    deriveId('execution', e.type, ctx.accountId, ctx.instrument, ...cause);
  switch (e.type) {
    case 'ParentOrderStarted':
      return id(e.parent.parentId);
    case 'ChildOrderRequested':
    case 'ChildOrderAccepted':
    case 'ChildOrderRejected':
    case 'ChildOrderClosed':
      return id(e.parentId, e.clientOrderId);
    case 'CancelRequested':
      // Once per child: a Cancelling child is never asked again (cancelAll skips it).
      return id(e.parentId, e.clientOrderId, 'cancel');
    case 'ChildOrderFilled':
      return id(e.parentId, e.clientOrderId, e.tradeId);
    case 'ParentOrderPaused':
    case 'ParentOrderResumed':
      return id(e.parentId, e.reason, e.at);
    case 'ParentOrderProgress':
      return id(e.parentId, e.slice);
    case 'ParentOrderSuperseded':
      return id(e.parentId, e.next.targetId, e.at);
    case 'ParentOrderCompleted':
      return id(e.parentId);
    default: {
      const never: never = e;
      return never;
    }
  }
};

// ---- back from storage --------------------------------------------------------------------

class Bad extends Error {
  constructor(readonly error: ValidationError) {
    super(error.message);
  }
}
const fail = (path: string, value: unknown, message: string): never => {
  throw new Bad(validationError(path, value, message));
};

const ms = (path: string, s: string): number => {
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : fail(path, s, 'is not a valid time');
};
const D = (s: string): Decimal => new Decimal(s);
const Dn = (s: string | null): Decimal | null => (s === null ? null : new Decimal(s));
const required = <T>(path: string, v: T | undefined): T =>
  v === undefined
    ? fail(path, v, 'is required to rebuild the parent order (written by an older producer?)')
    : v;

// makeSchedule names domain fields; name the stored ones instead.
const SCHEDULE_FIELD: Record<string, string> = {
  deadline: 'to',
  slices: 'weights',
  profile: 'weights',
  qty: 'total',
};
const scheduleFromStored = (path: string, s: StoredSchedule): Schedule => {
  const made = makeSchedule({
    from: ms(`${path}/from`, s.from),
    to: ms(`${path}/to`, s.to),
    base: D(s.base),
    total: D(s.total),
    weights: [...s.weights],
    lot: D(s.lot),
  });
  if (!made.ok) {
    const field = SCHEDULE_FIELD[made.field] ?? made.field;
    return fail(`${path}/${field}`, (s as unknown as Record<string, unknown>)[field], made.message);
  }
  return made.schedule;
};

const isExecutionType = (t: string): t is ExecutionEventType =>
  (EXECUTION_EVENT_TYPES as readonly string[]).includes(t);

const convert = (s: StoredExecutionEvent): ParentOrderEvent => {
  switch (s.type) {
    case 'ParentOrderStarted': {
      const d = s.data;
      if (d.instrumentRules.symbol !== d.instrument)
        fail(
          '/data/instrumentRules/symbol',
          d.instrumentRules.symbol,
          `must be the event's instrument ${d.instrument}`,
        );
      return {
        type: 'ParentOrderStarted',
        parent: {
          parentId: d.parentOrderId,
          accountId: d.accountId,
          instrument: instrumentFromStored(d.instrumentRules),
          side: d.side,
          qty: D(d.qty),
          fromPosition: D(d.fromPosition),
          targetPosition: D(d.targetPosition),
          start: ms('/data/start', d.start),
          deadline: ms('/data/deadline', d.deadline),
          urgency: d.urgency,
          limitPrice: Dn(d.limitPrice),
          style: d.style,
        },
        schedule: scheduleFromStored('/data/schedule', d.schedule),
        arrivalMid: Dn(d.arrivalMid),
        at: ms('/data/at', d.at),
      };
    }
    case 'ChildOrderRequested': {
      const d = s.data;
      return {
        type: 'ChildOrderRequested',
        parentId: d.parentOrderId,
        clientOrderId: d.clientOrderId,
        seq: required('/data/seq', d.seq),
        kind: required('/data/kind', d.kind),
        side: d.side,
        qty: D(d.qty),
        orderType: d.orderType,
        limitPrice: Dn(d.limitPrice),
        postOnly: d.postOnly,
        reason: required('/data/reason', d.reason),
        at: ms('/data/requestedAt', required('/data/requestedAt', d.requestedAt)),
      };
    }
    case 'CancelRequested': {
      const d = s.data;
      return {
        type: 'CancelRequested',
        parentId: required('/data/parentOrderId', d.parentOrderId),
        clientOrderId: d.clientOrderId,
        reason: d.reason,
        at: ms('/data/requestedAt', required('/data/requestedAt', d.requestedAt)),
      };
    }
    case 'ChildOrderAccepted':
    case 'ChildOrderClosed':
      return {
        type: s.type,
        parentId: s.data.parentOrderId,
        clientOrderId: s.data.clientOrderId,
        at: ms('/data/at', s.data.at),
      };
    case 'ChildOrderRejected':
      return {
        type: 'ChildOrderRejected',
        parentId: s.data.parentOrderId,
        clientOrderId: s.data.clientOrderId,
        code: s.data.code,
        at: ms('/data/at', s.data.at),
      };
    case 'ChildOrderFilled': {
      const d = s.data;
      return {
        type: 'ChildOrderFilled',
        parentId: d.parentOrderId,
        clientOrderId: d.clientOrderId,
        tradeId: d.tradeId,
        qty: D(d.qty),
        price: D(d.price),
        fee: D(d.fee),
        liquidity: d.liquidity,
        at: ms('/data/at', d.at),
      };
    }
    case 'ParentOrderPaused':
      return {
        type: 'ParentOrderPaused',
        parentId: s.data.parentOrderId ?? '',
        reason: s.data.reason,
        at: ms('/data/at', s.data.at),
      };
    case 'ParentOrderResumed':
      return {
        type: 'ParentOrderResumed',
        parentId: s.data.parentOrderId ?? '',
        reason: s.data.reason,
        schedule: s.data.schedule === null ? null : scheduleFromStored('/data/schedule', s.data.schedule),
        at: ms('/data/at', s.data.at),
      };
    case 'ParentOrderProgress':
      return {
        type: 'ParentOrderProgress',
        parentId: s.data.parentOrderId,
        slice: s.data.slice,
        filled: D(s.data.filled),
        scheduled: D(s.data.scheduled),
        at: ms('/data/at', s.data.at),
      };
    case 'ParentOrderSuperseded': {
      const n = s.data.next;
      return {
        type: 'ParentOrderSuperseded',
        parentId: s.data.parentOrderId,
        next: {
          targetId: n.targetId,
          targetPosition: D(n.targetPosition),
          deadline: ms('/data/next/deadline', n.deadline),
          slices: n.slices,
          urgency: n.urgency,
          limitPrice: Dn(n.limitPrice),
        },
        at: ms('/data/at', s.data.at),
      };
    }
    case 'ParentOrderCompleted':
      return {
        type: 'ParentOrderCompleted',
        parentId: s.data.parentOrderId,
        reason: s.data.reason,
        filled: D(s.data.filled),
        residual: D(s.data.residual),
        at: ms('/data/at', s.data.at),
      };
    default: {
      const never: never = s;
      return never;
    }
  }
};

/**
 * A stored event (e.g. a `RecordedEvent` from the parent-order stream) back to the domain
 * event: the payload is validated against its catalog schema first, so bad data is a
 * ValidationError naming the field (`/data/...`), never a throw or a half-built event.
 */
export const fromStored = (stored: {
  readonly type: string;
  readonly data: unknown;
}): E.Either<ValidationError, ParentOrderEvent> => {
  const type = stored.type;
  if (!isExecutionType(type))
    return E.left(validationError('/type', type, 'is not an event of a parent-order stream'));
  const valid = validateData(type, stored.data);
  if (E.isLeft(valid)) return valid;
  try {
    return E.right(convert({ type, data: valid.right } as StoredExecutionEvent));
  } catch (err) {
    if (err instanceof Bad) return E.left(err.error);
    throw err;
  }
};
