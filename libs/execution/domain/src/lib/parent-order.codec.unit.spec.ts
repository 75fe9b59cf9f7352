/**
 * The parent-order events through the catalog's codec: the decider's events ARE the catalog's
 * (`DomainEvent`), so what is proven here is that what it decides is what it reads back.
 *
 * - Round trip (fast-check, random markets: pauses, rejects, supersedes, a dated physically
 *   settled future with a contract size and a maker rebate, fees and rebates, marketOnly,
 *   market totals or none): every event encodes, passes `newEvent` with its derived id,
 *   survives JSON and `decodeStored`, decodes back deep-equal (decimals by value and by their
 *   written form), re-encodes to the same JSON, and the round-tripped stream folds to the same state.
 * - The JSON form of the events a reader sees, the quality a completion carries, ids from causes.
 * - Bad stored data is a ValidationError naming its field; old stored events (v1, old names) decode.
 */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import {
  decodeStored,
  encodeEvent,
  newEvent,
  RecordedEvent,
  StoredEventFields,
  ValidationError,
} from '@keel/events';
import { Instrument, instrumentToStored } from '@keel/instruments';
import {
  decodeParentOrderEvent,
  eventIdFor,
  executionStream,
  rejectionData,
  rejectionEventId,
} from './execution.aggregate';
import { MarketTotals, qualityFigures } from './execution.quality';
import { childOrderId, ExecutionConfig, ParentOrderCommand, parentOrderIdFor } from './parent-order.decide';
import {
  childOpenQty,
  evolve,
  initialState,
  PARENT_ORDER_EVENT_TYPES,
  ParentOrderEvent,
  ParentOrderState,
  PauseReason,
} from './parent-order.state';
import { BTC, cfg, fold, MIN, ofType, run, setTarget, T0, TOUCH, touch } from '../testing/execution.fixtures';

// A dated, physically settled future with a maker rebate and a contract size: every rule field non-trivial.
const FUT: Instrument = {
  ...BTC,
  venue: 'okx',
  venueSymbol: 'BTC-USDT-260327',
  symbol: 'BTC/USDT:USDT-260327',
  kind: 'future',
  contractSize: new Decimal('0.01'),
  settlement: 'physical',
  expiry: '2026-03-27T08:00:00.000Z',
  makerFee: new Decimal('-0.00005'),
  minNotional: new Decimal('0'),
};
const spec: ExecutionConfig = {
  ...cfg,
  instruments: [BTC, FUT],
  policy: { ...cfg.policy, finalSweepMs: Number.MAX_SAFE_INTEGER },
};

// ---- normalisers ----------------------------------------------------------------------------

/**
 * A value rebuilt with every Decimal as `f(d)` (arrays and plain objects walked), and a number
 * −0 as 0: JSON writes it so (a statistic such as a cost of −0.001 bp rounds to −0).
 */
const mapDecimals = (x: unknown, f: (d: Decimal) => unknown): unknown => {
  if (Decimal.isDecimal(x)) return f(x as Decimal);
  if (Object.is(x, -0)) return 0;
  if (Array.isArray(x)) return x.map((v) => mapDecimals(v, f));
  if (x !== null && typeof x === 'object')
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, mapDecimals(v, f)]));
  return x;
};
/** How the codec writes a decimal: `toFixed()` (never an exponent), a negative zero as `0`. */
const written = (d: Decimal): string => (d.isZero() ? '0' : d.toFixed());
/**
 * Where two values first differ, or null: Decimals (on both sides) by value and by written
 * form, numbers as JSON writes them (−0 is 0), everything else exactly, the same keys.
 */
const firstDiff = (a: unknown, b: unknown, path = ''): string | null => {
  if (Decimal.isDecimal(a) || Decimal.isDecimal(b))
    return Decimal.isDecimal(a) &&
      Decimal.isDecimal(b) &&
      (a as Decimal).eq(b as Decimal) &&
      written(a as Decimal) === written(b as Decimal)
      ? null
      : `${path}: ${String(a)} ≠ ${String(b)}`;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    if (Array.isArray(a) !== Array.isArray(b)) return `${path}: an array and an object`;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return `${path}: keys ${ka.join()} ≠ ${kb.join()}`;
    for (const k of ka) {
      const d = firstDiff(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}/${k}`,
      );
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(a === 0 ? 0 : a, b === 0 ? 0 : b) ? null : `${path}: ${String(a)} ≠ ${String(b)}`;
};
/** By written form: every Decimal as a tagged string, so it is never mistaken for a plain string. */
const norm = (x: unknown): unknown => mapDecimals(x, (d) => `D:${written(d)}`);

// ---- storing and loading, as the engine does -----------------------------------------------------

const META = { correlationId: 'c1', causationId: null, producer: 'execution' } as const;
const RECORDED_AT = '2026-01-01T00:00:00.000Z';

const right = <A>(r: E.Either<unknown, A>, what: string): A => {
  if (E.isLeft(r)) throw new Error(`${what}: ${JSON.stringify(r.left)}`);
  return r.right;
};

/** Encode, build the new event with its derived id, keep it as JSON in a store, read it back. */
const store = (e: ParentOrderEvent, revision: number) => {
  const encoded = right(encodeEvent(e), `${e.type} does not encode`);
  const ne = right(
    newEvent(encoded.type, eventIdFor(e), encoded.data as never, { ...META, occurredAt: encoded.occurredAt }),
    `${e.type} is not schema-valid`,
  );
  const raw = JSON.parse(
    JSON.stringify({
      ...ne,
      stream: executionStream(e.accountId, e.instrument),
      streamRevision: revision,
      globalPosition: 1000 + revision,
      recordedAt: RECORDED_AT,
    }),
  ) as StoredEventFields;
  const recorded = right(decodeStored(raw), `${e.type} does not decode from the store`);
  return { encoded, recorded, back: decodeParentOrderEvent(recorded) };
};

// ---- random scenarios ------------------------------------------------------------------------------

interface Step {
  readonly dPrice: number;
  readonly fillFrac: number;
  readonly late: number;
  readonly reject: boolean;
  readonly pause: 'none' | PauseReason;
  /** Fee in bp of the notional; 0 is reported by the venue as `-0` (a negative zero). */
  readonly feeBp: number;
  /** Public trades this step, in lots. */
  readonly tradeLots: number;
  /** Whether the tick is given the market totals (else null). */
  readonly market: boolean;
}
interface Scenario {
  readonly steps: readonly Step[];
  readonly fut: boolean;
  readonly lots: number;
  readonly minutes: number;
  readonly slices: number;
  readonly pausedAtStart: boolean;
  readonly marketOnly: boolean;
  readonly marketAtStart: boolean;
  readonly supersedeAt: number | null;
  readonly newTargetLots: number;
}

const arbStep: fc.Arbitrary<Step> = fc.record({
  dPrice: fc.integer({ min: -3, max: 3 }),
  fillFrac: fc.double({ min: 0, max: 1, noNaN: true }),
  late: fc.double({ min: 0, max: 1, noNaN: true }),
  reject: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  pause: fc.constantFrom<Step['pause']>(
    'none',
    'none',
    'none',
    'none',
    'none',
    'none',
    'market',
    'killSwitch',
  ),
  feeBp: fc.integer({ min: -1, max: 5 }),
  tradeLots: fc.integer({ min: 0, max: 50 }),
  market: fc.boolean(),
});
const arbScenario: fc.Arbitrary<Scenario> = fc.record({
  steps: fc.array(arbStep, { minLength: 30, maxLength: 30 }),
  fut: fc.boolean(),
  lots: fc.integer({ min: 2, max: 20_000 }),
  minutes: fc.integer({ min: 5, max: 600 }),
  slices: fc.integer({ min: 1, max: 30 }),
  pausedAtStart: fc.boolean(),
  marketOnly: fc.boolean(),
  marketAtStart: fc.boolean(),
  supersedeAt: fc.option(fc.double({ min: 0.05, max: 0.9, noNaN: true })),
  newTargetLots: fc.integer({ min: -20_000, max: 20_000 }),
});

/**
 * Drive the decider through a scenario (the property spec's venue, plus pauses, rejects,
 * fees, market totals, late fills after the end); every event it emits and the end state.
 */
const drive = (sc: Scenario): { log: ParentOrderEvent[]; state: ParentOrderState } => {
  const inst = sc.fut ? FUT : BTC;
  const lot = inst.lotSize;
  const deadline = T0 + sc.minutes * MIN;
  let state: ParentOrderState = initialState();
  const log: ParentOrderEvent[] = [];
  const pendingCancels: string[] = [];
  let tradeSeq = 0;
  const apply = (cmds: readonly ParentOrderCommand[]): ParentOrderEvent[] => {
    const r = run(cmds, state, spec);
    state = r.state;
    log.push(...r.events);
    for (const e of ofType(r.events, 'ChildOrderCancelRequested')) pendingCancels.push(e.clientOrderId);
    return r.events;
  };
  const where = { accountId: 'acc1', instrument: inst.symbol };
  let price = new Decimal('90000');
  // The instrument's running market totals (a consumer has folded its market for a day).
  let totals: MarketTotals = {
    tradeQty: new Decimal('1234.567'),
    tradeNotional: new Decimal('111111111.1'),
    midMs: new Decimal('7776000000000'),
    ms: 86_400_000,
  };
  const tickMs = Math.max(1000, Math.floor((deadline - T0) / 120));
  const fill = (
    cid: string,
    q: Decimal,
    p: Decimal,
    liquidity: 'maker' | 'taker',
    feeBp: number,
    now: number,
  ) =>
    apply([
      {
        type: 'RecordFill',
        clientOrderId: cid,
        tradeId: `t${tradeSeq++}`,
        qty: q,
        price: p,
        fee: feeBp === 0 ? new Decimal('-0') : q.times(p).times(inst.contractSize).times(feeBp).div(10_000),
        liquidity,
        now,
      },
    ]);

  if (sc.pausedAtStart) apply([{ type: 'Pause', ...where, reason: 'market', now: T0 }]);
  apply([
    setTarget({
      // The target may name the venue's symbol; the events always carry Keel's.
      instrument: sc.fut ? inst.venueSymbol : inst.symbol,
      targetPosition: lot.times(sc.lots).toFixed(),
      deadline,
      slices: sc.slices,
      style: sc.marketOnly ? 'marketOnly' : 'maker',
      market: sc.marketAtStart ? totals : null,
    }),
  ]);
  if (sc.pausedAtStart) apply([{ type: 'Resume', ...where, reason: 'market', now: T0 + 1 }]);
  let position = new Decimal(0);
  const signedFills = (events: readonly ParentOrderEvent[]): void => {
    const s = state;
    if (s.status === 'Idle') return;
    for (const e of ofType(events, 'ChildOrderFilled'))
      position = position.plus(s.parent.side === 'buy' ? e.qty : e.qty.neg());
  };
  let superseded = false;
  const paused = new Set<PauseReason>();
  for (let i = 0, t = T0; state.status !== 'Completed' && t <= deadline + 5 * tickMs; i++) {
    t += tickMs;
    const step = sc.steps[i % sc.steps.length] as Step;
    price = Decimal.max(new Decimal('1000'), price.plus(new Decimal(step.dPrice).times(inst.tickSize)));
    const tb = touch(price.toFixed(), price.plus(inst.tickSize).toFixed());
    const tradeQty = lot.times(step.tradeLots);
    totals = {
      tradeQty: totals.tradeQty.plus(tradeQty),
      tradeNotional: totals.tradeNotional.plus(tradeQty.times(price)),
      midMs: totals.midMs.plus(tb.bid.plus(tb.ask).div(2).times(tickMs)),
      ms: totals.ms + tickMs,
    };
    const market = step.market ? totals : null;
    // Cancels requested last step close now, after a possible late fill.
    for (const cid of pendingCancels.splice(0)) {
      const s = state;
      const ch =
        s.status === 'Working' || s.status === 'Superseding'
          ? s.children.find((c) => c.clientOrderId === cid)
          : undefined;
      if (ch && step.late > 0.5) {
        const q = childOpenQty(ch).times(step.late).div(lot).floor().times(lot);
        if (q.gt(0)) signedFills(fill(cid, q, ch.price ?? price, 'maker', step.feeBp, t));
      }
      apply([{ type: 'RecordCancelled', clientOrderId: cid, now: t }]);
    }
    const s = state;
    if (s.status === 'Working' || s.status === 'Superseding')
      for (const ch of s.children.filter((c) => c.kind === 'passive' && c.status === 'Working')) {
        const q = childOpenQty(ch).times(step.fillFrac).div(lot).floor().times(lot);
        if (q.gt(0) && step.fillFrac > 0.3)
          signedFills(fill(ch.clientOrderId, q, ch.price ?? price, 'maker', step.feeBp, t));
      }
    // Pauses toggle: a reason seen again resumes it (re-planning what is left).
    if (step.pause !== 'none') {
      const type = paused.has(step.pause) ? 'Resume' : 'Pause';
      if (type === 'Resume') paused.delete(step.pause);
      else paused.add(step.pause);
      apply([{ type, ...where, reason: step.pause, now: t }]);
    }
    if (
      !superseded &&
      sc.supersedeAt !== null &&
      t >= T0 + sc.supersedeAt * (deadline - T0) &&
      t < deadline - tickMs
    ) {
      superseded = true;
      apply([
        setTarget({
          targetId: 'tgt2',
          instrument: inst.symbol,
          targetPosition: lot.times(sc.newTargetLots).toFixed(),
          currentPosition: position.toFixed(),
          start: t,
          now: t,
          deadline,
          slices: sc.slices,
          touch: tb,
          market,
        }),
      ]);
    }
    const events = apply([{ type: 'Tick', now: t, touch: tb, market }]);
    for (const e of ofType(events, 'ChildOrderRequested')) {
      if (step.reject) {
        apply([
          { type: 'RecordRejected', clientOrderId: e.clientOrderId, code: 'INSUFFICIENT_MARGIN', now: t },
        ]);
        continue;
      }
      apply([{ type: 'RecordAccepted', clientOrderId: e.clientOrderId, now: t }]);
      if (e.kind === 'taker') {
        signedFills(fill(e.clientOrderId, e.qty, tb.ask, 'taker', step.feeBp, t));
        apply([{ type: 'RecordCancelled', clientOrderId: e.clientOrderId, now: t }]);
      }
    }
  }
  // Children still open at a deadline may fill late: the completed parent still counts them.
  const end = state;
  if (end.status === 'Completed')
    for (const ch of end.lateChildren) {
      const q = childOpenQty(ch).div(2).div(lot).floor().times(lot);
      if (q.gt(0)) fill(ch.clientOrderId, q, ch.price ?? price, 'maker', 1, end.finishedAt + 1);
    }
  return { log, state };
};

describe('parent-order events through the codec (property)', () => {
  it('compares by value and by written form: a negative zero is the 0 it is written as, nothing else is loosened', () => {
    expect(firstDiff({ a: [new Decimal('-0'), -0] }, { a: [new Decimal(0), 0] })).toBeNull();
    expect(norm(new Decimal('-0'))).toBe('D:0');
    expect(norm({ q: new Decimal('1e-7') })).toEqual({ q: 'D:0.0000001' });
    expect(firstDiff({ q: new Decimal('1.5') }, { q: new Decimal('1.50000000001') })).toBe(
      '/q: 1.5 ≠ 1.50000000001',
    );
    expect(firstDiff({ q: new Decimal('1') }, { q: '1' })).toBe('/q: 1 ≠ 1');
    expect(firstDiff({ q: null }, { q: new Decimal(0) })).not.toBeNull();
    expect(firstDiff({ a: 1 }, { a: 1, b: undefined })).toBe(': keys a ≠ a,b');
    expect(firstDiff([1, 2], [1, 2, 3])).not.toBeNull();
    expect(firstDiff({ t: 1 }, { t: 2 })).toBe('/t: 1 ≠ 2');
  });

  it('every event the decider produces encodes, is stored, decodes back equal, and folds to the same state', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(arbScenario, (sc) => {
        const { log, state } = drive(sc);
        const back: ParentOrderEvent[] = [];
        const ids = new Set<string>();
        const json: string[] = [];
        const rewritten: string[] = [];
        log.forEach((e, i) => {
          seen.add(e.type);
          const r = store(e, i);
          if (r.recorded.eventId !== eventIdFor(e)) throw new Error(`${e.type}: the store changed its id`);
          if (r.recorded.occurredAt !== new Date(e.occurredAt).toISOString())
            throw new Error(`${e.type}: occurredAt ${r.recorded.occurredAt}`);
          const b = right(r.back, `${e.type} does not decode for the decider`);
          back.push(b);
          ids.add(r.recorded.eventId);
          // Written again, it is the same JSON, byte for byte.
          json.push(JSON.stringify(r.encoded));
          rewritten.push(JSON.stringify(right(encodeEvent(b), `${e.type} read back does not encode`)));
        });
        expect(rewritten).toEqual(json);
        // By value (Decimals as Decimals) and by written form.
        expect(firstDiff(back, log)).toBeNull();
        expect(norm(back)).toEqual(norm(log));
        // Distinct events of one stream never share an id (the store would drop one).
        expect(ids.size).toBe(log.length);
        const again = back.reduce(evolve, initialState());
        expect(firstDiff(again, state)).toBeNull();
        expect(norm(again)).toEqual(norm(state));
      }),
      { numRuns: 40 },
    );
    // The scenarios reach every event type of the stream.
    expect([...seen].sort()).toEqual([...PARENT_ORDER_EVENT_TYPES].sort());
  });
});

// ---- examples --------------------------------------------------------------------------------------

/** Market totals whose decimals Decimal#toString would write with an exponent (1e-8, 5.4e21). */
const M0: MarketTotals = {
  tradeQty: new Decimal('0.00000001'),
  tradeNotional: new Decimal('0.0009'),
  midMs: new Decimal('5400003000000000000000'),
  ms: 60_000_000_000,
};
const PARENT = parentOrderIdFor('acc1', BTC.symbol, 'tgt1');
const startedOf = (over: Parameters<typeof setTarget>[0] = {}) =>
  ofType(run([setTarget(over)], initialState(), spec).events, 'ParentOrderStarted')[0] as Extract<
    ParentOrderEvent,
    { type: 'ParentOrderStarted' }
  >;
const dataOf = (e: ParentOrderEvent): Record<string, unknown> =>
  right(encodeEvent(e), 'encode').data as unknown as Record<string, unknown>;

describe('parent-order events: the JSON form', () => {
  it('a started parent order: plain decimal strings, ISO times with ms, its instrument rules, target and market', () => {
    const started = startedOf({ limitPrice: '95000.5', urgency: 'high', market: M0 });
    expect(encodeEvent(started)).toEqual(
      E.right({
        type: 'ParentOrderStarted',
        occurredAt: '2026-01-01T00:00:00.000Z',
        data: {
          accountId: 'acc1',
          instrument: 'BTC/USDT:USDT',
          parentOrderId: PARENT,
          targetId: 'tgt1',
          side: 'buy',
          qty: '1',
          fromPosition: '0',
          targetPosition: '1',
          start: '2026-01-01T00:00:00.000Z',
          deadline: '2026-01-01T01:00:00.000Z',
          urgency: 'high',
          limitPrice: '95000.5',
          style: 'maker',
          schedule: {
            from: '2026-01-01T00:00:00.000Z',
            to: '2026-01-01T01:00:00.000Z',
            base: '0',
            total: '1',
            weights: [1, 1, 1, 1, 1, 1],
            lot: '0.001',
          },
          arrivalMid: '90000.05',
          instrumentRules: instrumentToStored(BTC),
          marketAtStart: {
            tradeQty: '0.00000001',
            tradeNotional: '0.0009',
            midMs: '5400003000000000000000',
            ms: 60_000_000_000,
          },
        },
      }),
    );
    // Without a touch or market totals: nulls, and the order starts when the target says.
    const blind = startedOf({ touch: null, limitPrice: '95000', start: T0 + 1500, now: T0 });
    expect(dataOf(blind)).toMatchObject({
      arrivalMid: null,
      marketAtStart: null,
      start: '2026-01-01T00:00:01.500Z',
    });
  });

  it('a short from a short, on the dated future: signed positions, its own rules (contract size, rebate, expiry)', () => {
    const e = startedOf({ instrument: FUT.venueSymbol, currentPosition: '-0.5', targetPosition: '-2' });
    expect(dataOf(e)).toMatchObject({
      instrument: FUT.symbol,
      side: 'sell',
      qty: '1.5',
      fromPosition: '-0.5',
      targetPosition: '-2',
      instrumentRules: instrumentToStored(FUT),
    });
    expect(dataOf(e)['instrumentRules']).toMatchObject({
      contractSize: '0.01',
      makerFee: '-0.00005',
      settlement: 'physical',
      expiry: '2026-03-27T08:00:00.000Z',
    });
  });

  it("ChildOrderRequested has the gateway's fields plus seq, kind and reason, and no time of its own", () => {
    const { events } = run([setTarget(), { type: 'Tick', now: T0 + 1000, touch: TOUCH, market: null }]);
    const req = ofType(events, 'ChildOrderRequested')[0];
    expect(req).toBeDefined();
    if (!req) return;
    expect(encodeEvent(req)).toEqual(
      E.right({
        type: 'ChildOrderRequested',
        occurredAt: '2026-01-01T00:00:01.000Z',
        data: {
          accountId: 'acc1',
          instrument: 'BTC/USDT:USDT',
          parentOrderId: PARENT,
          clientOrderId: childOrderId('acc1', PARENT, 0),
          side: 'buy',
          qty: written(req.qty),
          orderType: 'limit',
          limitPrice: req.limitPrice && written(req.limitPrice),
          postOnly: true,
          reduceOnly: false,
          seq: 0,
          kind: 'passive',
          reason: 'post',
          validUntil: '2026-01-01T00:01:01.000Z',
        },
      }),
    );
    // A tiny quantity is written without an exponent; the time is the envelope's.
    const tiny: ParentOrderEvent = { ...req, qty: new Decimal('1e-7'), occurredAt: T0 + 5 };
    expect(encodeEvent(tiny)).toEqual(
      E.right(
        expect.objectContaining({
          occurredAt: '2026-01-01T00:00:00.005Z',
          data: expect.objectContaining({ qty: '0.0000001' }),
        }),
      ),
    );
  });

  it('ChildOrderCancelRequested carries the parent order id', () => {
    const { events } = run([
      setTarget(),
      { type: 'Tick', now: T0 + 1000, touch: TOUCH, market: null },
      { type: 'Pause', accountId: 'acc1', instrument: BTC.symbol, reason: 'market', now: T0 + 2000 },
    ]);
    const cancel = ofType(events, 'ChildOrderCancelRequested')[0];
    const req = ofType(events, 'ChildOrderRequested')[0];
    expect(cancel && dataOf(cancel)).toEqual({
      accountId: 'acc1',
      instrument: 'BTC/USDT:USDT',
      clientOrderId: req?.clientOrderId,
      reason: 'paused: market',
      parentOrderId: PARENT,
    });
  });

  it('a pause with no parent order stores parentOrderId null, and reads back the same', () => {
    const where = { accountId: 'acc1', instrument: BTC.symbol } as const;
    const { events } = run([
      { type: 'Pause', ...where, reason: 'killSwitch', now: T0 },
      { type: 'Resume', ...where, reason: 'killSwitch', now: T0 + 1 },
    ]);
    expect(events.map(dataOf)).toEqual([
      { ...where, parentOrderId: null, reason: 'killSwitch' },
      { ...where, parentOrderId: null, reason: 'killSwitch', schedule: null },
    ]);
    events.forEach((e, i) => expect(store(e, i).back).toEqual(E.right(e)));
  });

  it('a pause for the risk state HALTED is stored as reason riskHalted, and reads back the same', () => {
    const where = { accountId: 'acc1', instrument: BTC.symbol } as const;
    const { events } = run([
      setTarget(),
      { type: 'Pause', ...where, reason: 'riskHalted', now: T0 + 1 },
      { type: 'Resume', ...where, reason: 'riskHalted', now: T0 + 2 },
    ]);
    const pauses = events.filter((e) => e.type === 'ParentOrderPaused' || e.type === 'ParentOrderResumed');
    expect(pauses.map((e) => dataOf(e)['reason'])).toEqual(['riskHalted', 'riskHalted']);
    events.forEach((e, i) => expect(store(e, i).back).toEqual(E.right(e)));
  });

  it('ParentOrderCompleted carries the quality the decider computed', () => {
    // Every child fills in full at 90010 with a 1 bp rebate; the market traded 2 BTC at 90004 meanwhile.
    const M1: MarketTotals = {
      tradeQty: new Decimal('102'),
      tradeNotional: new Decimal('9000000').plus(new Decimal('180008')),
      midMs: new Decimal('0'),
      ms: 0,
    };
    const M0q: MarketTotals = {
      tradeQty: new Decimal('100'),
      tradeNotional: new Decimal('9000000'),
      midMs: new Decimal('0'),
      ms: 0,
    };
    let { state, events } = run([setTarget({ market: M0q })]);
    const fills: { qty: Decimal; maker: boolean }[] = [];
    for (let t = T0 + MIN; state.status === 'Working' && t <= T0 + 61 * MIN; t += MIN) {
      const r = run([{ type: 'Tick', now: t, touch: TOUCH, market: M1 }], state);
      const cmds: ParentOrderCommand[] = [];
      for (const e of ofType(r.events, 'ChildOrderRequested')) {
        const price = new Decimal('90010');
        fills.push({ qty: e.qty, maker: e.kind === 'passive' });
        cmds.push(
          { type: 'RecordAccepted', clientOrderId: e.clientOrderId, now: t },
          {
            type: 'RecordFill',
            clientOrderId: e.clientOrderId,
            tradeId: `t${fills.length}`,
            qty: e.qty,
            price,
            fee: e.qty.times(price).times(-0.0001),
            liquidity: e.kind === 'passive' ? 'maker' : 'taker',
            now: t,
          },
        );
      }
      const r2 = run(cmds, r.state);
      state = r2.state;
      events = [...events, ...r.events, ...r2.events];
    }
    const done = ofType(events, 'ParentOrderCompleted')[0];
    expect(done?.reason).toBe('filled');
    if (!done) return;
    const filled = fills.reduce((a, f) => a.plus(f.qty), new Decimal(0));
    const expected = qualityFigures({
      side: 'buy',
      filled,
      notional: filled.times(90010),
      fees: filled.times(90010).times(-0.0001),
      makerQty: fills.filter((f) => f.maker).reduce((a, f) => a.plus(f.qty), new Decimal(0)),
      arrivalMid: new Decimal('90000.05'),
      intervalVwap: new Decimal('90004'),
      maxScheduleLagSlices: done.quality?.maxScheduleLagSlices ?? -1,
      childOrderCount: fills.length,
      priceDp: 4,
    });
    expect(filled.toFixed()).toBe('1');
    expect(norm(done.quality)).toEqual(norm(expected));
    expect(dataOf(done)['quality']).toMatchObject({
      filledQty: '1',
      avgPrice: '90010',
      arrivalPrice: '90000.05',
      intervalVwap: '90004',
      fees: '-9.001',
      // (90010 − 90000.05) / 90000.05, (90010 − 90004) / 90004 and the rebate, in bps.
      shortfallBps: 1.11,
      vsVwapBps: 0.67,
      feesBps: -1,
      costBps: 0.11,
      childOrderCount: fills.length,
    });
    expect(store(done, 0).back).toEqual(E.right(done));
  });

  it('a refused target, written to the same stream by the engine, has no time of its own either', () => {
    const data = rejectionData({ accountId: 'acc1', symbol: 'DOGE/USDT:USDT' }, 'tgt9', {
      _tag: 'NotFoundError',
      what: 'instrument',
      id: 'DOGE/USDT:USDT',
    });
    const ne = newEvent('ParentOrderRejected', rejectionEventId('acc1', 'DOGE/USDT:USDT', 'tgt9'), data, {
      ...META,
      occurredAt: '2026-01-01T00:00:00.000Z',
    });
    expect(ne).toEqual(
      E.right(
        expect.objectContaining({
          occurredAt: '2026-01-01T00:00:00.000Z',
          data: {
            accountId: 'acc1',
            instrument: 'DOGE/USDT:USDT',
            targetId: 'tgt9',
            code: 'NotFoundError',
            field: 'instrument',
            value: 'DOGE/USDT:USDT',
            reason: "instrument DOGE/USDT:USDT is not listed by the account's gateway",
          },
        }),
      ),
    );
  });

  it('derives ids from causes: the same decision the same id, another fill or account another', () => {
    const a = startedOf();
    const b = startedOf();
    expect(eventIdFor(a)).toBe(eventIdFor(b));
    expect(eventIdFor(a)).not.toBe(eventIdFor(startedOf({ targetId: 'tgt2' })));
    const fill = (tradeId: string, accountId = 'acc1'): ParentOrderEvent => ({
      type: 'ChildOrderFilled',
      occurredAt: T0,
      accountId,
      instrument: BTC.symbol,
      parentOrderId: 'p1',
      clientOrderId: 'c1',
      tradeId,
      qty: new Decimal('0.1'),
      price: new Decimal('90000'),
      fee: new Decimal('-0.45'),
      liquidity: 'maker',
    });
    expect(eventIdFor(fill('t1'))).toBe(eventIdFor({ ...fill('t1'), occurredAt: T0 + 1 }));
    expect(eventIdFor(fill('t1'))).not.toBe(eventIdFor(fill('t2')));
    expect(eventIdFor(fill('t1'))).not.toBe(eventIdFor(fill('t1', 'acc2')));
    expect(eventIdFor(fill('t1'))).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

// ---- bad data -------------------------------------------------------------------------------------

describe('parent-order events: bad data is a ValidationError naming its field', () => {
  const started = startedOf({ market: M0 });
  const data = dataOf(started);
  const schedule = data['schedule'] as Record<string, unknown>;
  const rules = data['instrumentRules'] as Record<string, unknown>;
  const OCC = '2026-01-01T00:00:00.000Z';
  const decode = (d: unknown, occurredAt = OCC, type = 'ParentOrderStarted') =>
    decodeParentOrderEvent({ type, data: d, occurredAt });
  const pathOf = (r: E.Either<ValidationError, unknown>): string | null => (E.isLeft(r) ? r.left.path : null);

  it('reads the good one back', () => {
    expect(decode(data)).toEqual(E.right(started));
  });

  it('an exponent, a float, a missing field', () => {
    expect(decode({ ...data, qty: '1e-3' })).toEqual(
      E.left(expect.objectContaining({ _tag: 'ValidationError', path: '/data/qty', value: '1e-3' })),
    );
    expect(pathOf(decode({ ...data, qty: 0.001 }))).toBe('/data/qty');
    expect(pathOf(decode({ ...data, fromPosition: -0.5 }))).toBe('/data/fromPosition');
    const { arrivalMid: _omit, ...noMid } = data;
    expect(decode(noMid)).toEqual(
      E.left(expect.objectContaining({ _tag: 'ValidationError', path: '/data/arrivalMid' })),
    );
    const { targetId: _t, ...noTarget } = data;
    expect(pathOf(decode(noTarget))).toBe('/data/targetId');
  });

  it('instrument rules of another instrument', () => {
    expect(decode({ ...data, instrumentRules: { ...rules, symbol: 'ETH/USDT:USDT' } })).toEqual(
      E.left(expect.objectContaining({ path: '/data/instrumentRules/symbol', value: 'ETH/USDT:USDT' })),
    );
  });

  it('a schedule that is not one', () => {
    expect(pathOf(decode({ ...data, schedule: { ...schedule, to: schedule['from'] } }))).toBe(
      '/data/schedule/to',
    );
    expect(pathOf(decode({ ...data, schedule: { ...schedule, to: '2025-12-31T23:59:59.999Z' } }))).toBe(
      '/data/schedule/to',
    );
    expect(pathOf(decode({ ...data, schedule: { ...schedule, weights: [0, 0] } }))).toBe(
      '/data/schedule/weights',
    );
    expect(pathOf(decode({ ...data, schedule: { ...schedule, base: '2' } }))).toBe('/data/schedule/total');
    // A resume's re-planned schedule too.
    const resumed = {
      accountId: 'acc1',
      instrument: BTC.symbol,
      parentOrderId: PARENT,
      reason: 'market',
      schedule: { ...schedule, to: schedule['from'] },
    };
    expect(pathOf(decode(resumed, OCC, 'ParentOrderResumed'))).toBe('/data/schedule/to');
    expect(E.isRight(decode({ ...resumed, schedule: null }, OCC, 'ParentOrderResumed'))).toBe(true);
  });

  it('an impossible date (the pattern passes, the decode does not), a bad occurredAt', () => {
    expect(decode({ ...data, start: '2026-13-45T00:00:00.000Z' })).toEqual(
      E.left(
        expect.objectContaining({
          _tag: 'ValidationError',
          path: '/data/start',
          value: '2026-13-45T00:00:00.000Z',
        }),
      ),
    );
    // Date.parse would roll these over to 2 March and 1 January: never a silent other instant.
    expect(pathOf(decode({ ...data, deadline: '2026-02-30T00:00:00.000Z' }))).toBe('/data/deadline');
    expect(pathOf(decode({ ...data, schedule: { ...schedule, from: '2025-12-31T24:00:00.000Z' } }))).toBe(
      '/data/schedule/from',
    );
    expect(pathOf(decode({ ...data, start: '2026-01-01' }))).toBe('/data/start');
    expect(decode(data, 'yesterday')).toEqual(
      E.left(expect.objectContaining({ _tag: 'ValidationError', path: '/occurredAt', value: 'yesterday' })),
    );
  });

  it('a type that is not of a parent-order stream', () => {
    expect(pathOf(decode(data, OCC, 'OrderFilled'))).toBe('/type');
    expect(pathOf(decode(data, OCC, 'ParentOrderRejected'))).toBe('/type');
    expect(pathOf(decode(data, OCC, 'CancelRequested'))).toBe('/type');
  });

  it('an event the decider could not have made does not encode, naming the field', () => {
    const fill: ParentOrderEvent = {
      type: 'ChildOrderFilled',
      occurredAt: T0,
      accountId: 'acc1',
      instrument: BTC.symbol,
      parentOrderId: 'p1',
      clientOrderId: 'c1',
      tradeId: 't1',
      qty: new Decimal('0.1'),
      price: new Decimal('90000'),
      fee: new Decimal('0'),
      liquidity: 'maker',
    };
    expect(encodeEvent({ ...fill, qty: new Decimal('-0.1') })).toEqual(
      E.left(expect.objectContaining({ _tag: 'ValidationError', path: '/data/qty', value: '-0.1' })),
    );
    expect(encodeEvent({ ...fill, price: new Decimal(NaN) })).toEqual(
      E.left(expect.objectContaining({ path: '/data/price' })),
    );
    // A decimal the domain holds as a string (a type hole) is refused where it is, not written through.
    expect(encodeEvent({ ...fill, fee: '0.1' as unknown as Decimal })).toEqual(
      E.left(expect.objectContaining({ path: '/data/fee', value: '0.1' })),
    );
    expect(encodeEvent({ ...fill, clientOrderId: 'not-alnum' })).toEqual(
      E.left(expect.objectContaining({ path: '/data/clientOrderId' })),
    );
    expect(encodeEvent({ ...fill, occurredAt: NaN })).toEqual(
      E.left(expect.objectContaining({ path: '/occurredAt' })),
    );
  });
});

// ---- old stored events ------------------------------------------------------------------------------

describe('parent-order events: old stored events still decode', () => {
  const where = { accountId: 'acc1', instrument: BTC.symbol, parentOrderId: PARENT } as const;
  const OCC = '2026-01-01T00:00:07.000Z';
  const at = OCC;
  const v1 = (type: string, data: unknown, schemaVersion = 1): StoredEventFields => ({
    ...META,
    occurredAt: OCC,
    eventId: '00000000-0000-8000-8000-000000000001',
    type,
    schemaVersion,
    data,
    stream: executionStream('acc1', BTC.symbol),
    streamRevision: 3,
    globalPosition: 42,
    recordedAt: OCC,
  });
  const load = (raw: StoredEventFields): E.Either<ValidationError, ParentOrderEvent> =>
    E.chain((r: RecordedEvent) => decodeParentOrderEvent(r))(decodeStored(raw));
  const occurredAt = Date.parse(OCC);

  it('CancelRequested (v1, requestedAt) is a ChildOrderCancelRequested', () => {
    const raw = v1('CancelRequested', {
      ...where,
      clientOrderId: 'abc123',
      reason: 'deadline',
      requestedAt: at,
    });
    expect(decodeStored(raw)).toEqual(
      E.right(expect.objectContaining({ type: 'ChildOrderCancelRequested', schemaVersion: 2 })),
    );
    expect(load(raw)).toEqual(
      E.right({
        type: 'ChildOrderCancelRequested',
        occurredAt,
        ...where,
        clientOrderId: 'abc123',
        reason: 'deadline',
      }),
    );
    // v1 did not require the parent order id (only another writer left it out): it reads as null.
    const { parentOrderId: _p, ...noParent } = where;
    expect(
      load(v1('CancelRequested', { ...noParent, clientOrderId: 'abc123', reason: 'x', requestedAt: at })),
    ).toEqual(
      E.right({
        type: 'ChildOrderCancelRequested',
        occurredAt,
        ...noParent,
        parentOrderId: null,
        clientOrderId: 'abc123',
        reason: 'x',
      }),
    );
    // The old name was never written at v2.
    expect(load(v1('CancelRequested', { ...where, clientOrderId: 'abc123', reason: 'x' }, 2))).toEqual(
      E.left(expect.objectContaining({ path: '/type' })),
    );
  });

  it('ChildOrderClosed (v1, at) is a ChildOrderCancelled', () => {
    expect(load(v1('ChildOrderClosed', { ...where, clientOrderId: 'abc123', at }))).toEqual(
      E.right({ type: 'ChildOrderCancelled', occurredAt, ...where, clientOrderId: 'abc123' }),
    );
  });

  it('ParentOrderProgress (v1) is a ParentOrderProgressReported', () => {
    expect(
      load(v1('ParentOrderProgress', { ...where, slice: 2, filled: '0.25', scheduled: '0.5', at })),
    ).toEqual(
      E.right({
        type: 'ParentOrderProgressReported',
        occurredAt,
        ...where,
        slice: 2,
        filled: new Decimal('0.25'),
        scheduled: new Decimal('0.5'),
      }),
    );
  });

  it('ChildOrderRequested (v1, requestedAt) is v3 without an expiry; one without seq/kind/reason (another writer) gets them from its order', () => {
    const { events } = run([setTarget(), { type: 'Tick', now: occurredAt, touch: TOUCH, market: null }]);
    const current = ofType(events, 'ChildOrderRequested')[0] as ParentOrderEvent;
    // Requests stored before v3 had no validUntil: they never expire.
    const req = { ...current, validUntil: null } as ParentOrderEvent;
    const { validUntil: _v, ...v1Data } = dataOf(req);
    expect(load(v1('ChildOrderRequested', { ...v1Data, requestedAt: at }))).toEqual(E.right(req));
    const { seq: _s, kind: _k, reason: _r, ...gatewayOnly } = v1Data;
    // The first child of this parent is a post-only limit order: passive, posted, sequence 0.
    expect(load(v1('ChildOrderRequested', gatewayOnly))).toEqual(E.right(req));
    expect(
      load(v1('ChildOrderRequested', { ...gatewayOnly, orderType: 'market', limitPrice: null })),
    ).toEqual(E.right(expect.objectContaining({ seq: 0, kind: 'taker', reason: 'slice' })));
  });

  it('ParentOrderStarted (v1, at, no targetId or market totals) is v2 with both null, and folds', () => {
    const started = startedOf({ market: M0 });
    const { targetId: _t, marketAtStart: _m, ...old } = dataOf(started);
    const r = load(v1('ParentOrderStarted', { ...old, at: '2026-01-01T00:00:00.000Z' }));
    expect(r).toEqual(E.right({ ...started, occurredAt, targetId: null, marketAtStart: null }));
    if (E.isRight(r))
      expect(fold([r.right])).toMatchObject({ status: 'Working', targetId: null, marketAtStart: null });
    // One that had them keeps them.
    expect(load(v1('ParentOrderStarted', { ...dataOf(started), at }))).toEqual(
      E.right({ ...started, occurredAt }),
    );
  });

  it('ParentOrderCompleted (v1, no quality) is v2 with quality null', () => {
    expect(
      load(v1('ParentOrderCompleted', { ...where, reason: 'deadline', filled: '0.4', residual: '0.6', at })),
    ).toEqual(
      E.right({
        type: 'ParentOrderCompleted',
        occurredAt,
        ...where,
        reason: 'deadline',
        filled: new Decimal('0.4'),
        residual: new Decimal('0.6'),
        quality: null,
      }),
    );
  });
});
