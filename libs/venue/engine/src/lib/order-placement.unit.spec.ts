import Decimal from 'decimal.js';
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { Fill, Instrument, VenueError, VenueOrder, BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { createVirtualClock } from '@keel/clock';
import { createCountingAdapter } from '../testing/counting.adapter';
import { createRequestCoalescer } from './request-coalescer';
import {
  ChildOrder,
  decidePlacement,
  DEFAULT_PLACEMENT_SETTINGS,
  fillEventId,
  attributeFill,
  fillEvents,
  initialPlacement,
  PlacementAction,
  PlacementFact,
  PlacementInput,
  PlacementState,
  placementEvents,
  runPlacement,
} from './order-placement';

// A lower minimum notional than the venue's, so small test orders pass the check.
const instrument: Instrument = { ...BINANCE_USDM_BTCUSDT, minNotional: new Decimal(5) };

const command: ChildOrder = {
  accountId: 'acc1',
  instrument: 'BTC/USDT:USDT',
  parentOrderId: 'p1',
  clientOrderId: 'K1a2b3c',
  side: 'buy',
  qty: '0.0105',
  orderType: 'limit',
  limitPrice: '42000.17',
  postOnly: true,
  reduceOnly: false,
  validUntil: null,
  seq: 0,
  kind: 'taker',
  reason: 'slice',
};

const requested = (
  inDoubt = false,
  c: ChildOrder = command,
): Extract<PlacementInput, { type: 'Requested' }> => ({ type: 'Requested', command: c, instrument, inDoubt });

const venueOrder = (status: VenueOrder['status'] = 'open'): VenueOrder => ({
  symbol: command.instrument,
  clientOrderId: command.clientOrderId,
  venueOrderId: 'V1',
  side: 'buy',
  type: 'limit',
  qty: new Decimal('0.01'),
  price: new Decimal('42000.1'),
  filledQty: new Decimal(status === 'cancelled' ? '0.004' : 0),
  avgFillPrice: null,
  status,
  ts: 0,
});

const timeout: VenueError = { _tag: 'VenueTimeout', venue: 'b', op: 'placeOrder', ms: 5000 };
const meta = {
  correlationId: 'c',
  causationId: null,
  producer: 'gateway',
  occurredAt: '2024-01-01T00:00:00.000Z',
};

/** Feed inputs to the decider from Idle; return the last step and every fact. */
const given = (...inputs: PlacementInput[]) => {
  let state: PlacementState = initialPlacement;
  const facts: PlacementFact[] = [];
  let next: PlacementAction = { _tag: 'none' };
  for (const input of inputs) {
    const s = decidePlacement(state, input);
    facts.push(...s.facts);
    ({ state, next } = s);
  }
  return { state, next, facts };
};

const notFound = { type: 'LookupAnswered', result: E.right(null) } as const;
/** "Not found" answers until the decider stops looking (the horizon passed): as many as it asked for. */
const notFoundOverHorizon = (...inputs: PlacementInput[]) => {
  let s = given(...inputs);
  const all = [...inputs];
  const waits: number[] = [];
  while (s.next._tag === 'lookUp' && all.length < 100) {
    waits.push(s.next.afterMs);
    all.push(notFound);
    s = given(...all);
  }
  return { ...s, waits };
};

describe('placement decider', () => {
  describe('Idle', () => {
    it('a valid command is rounded to the instrument and sent', () => {
      const s = given(requested());
      expect(s.next).toEqual({ _tag: 'send', afterMs: 0 });
      expect(s.state.status).toBe('Ready');
      if (s.state.status !== 'Ready') return;
      expect(s.state.order.qty.toFixed()).toBe('0.01');
      expect(s.state.order.price?.toFixed()).toBe('42000.1');
      expect(s.state.order.timeInForce).toBe('PO');
    });

    it('an invalid command is rejected with its code and never sent', () => {
      const s = given(requested(false, { ...command, qty: '0.0001' }));
      expect(s.facts).toEqual([
        { type: 'OrderRejected', code: 'QtyBelowMinimum', reason: expect.any(String) },
      ]);
      expect(s.next._tag).toBe('none');
    });

    it('a command that may have been sent before a restart is looked up first', () => {
      expect(given(requested(true))).toMatchObject({
        state: { status: 'InDoubt' },
        next: { _tag: 'lookUp', afterMs: 0 },
      });
    });

    it('an invalid in-doubt command is looked up, and rejected only once the venue proves it never saw it', () => {
      const bad = requested(true, { ...command, qty: '0.0001' });
      expect(given(bad).next._tag).toBe('lookUp');
      expect(given(bad, notFound).facts).toEqual([]);
      expect(notFoundOverHorizon(bad).facts).toMatchObject([
        { type: 'OrderRejected', code: 'QtyBelowMinimum' },
      ]);
      expect(given(bad, { type: 'LookupAnswered', result: E.right(venueOrder()) }).facts).toEqual([
        { type: 'OrderAccepted', venueOrderId: 'V1' },
      ]);
    });
  });

  describe('Idle, new orders blocked', () => {
    const blocked = { code: 'KillSwitchEngaged', reason: 'global: drill' };

    it('a fresh command is rejected with the block, never sent', () => {
      const s = given({ ...requested(), blocked });
      expect(s.facts).toEqual([{ type: 'OrderRejected', ...blocked }]);
      expect(s.next._tag).toBe('none');
    });

    it('an in-doubt command is still looked up: found → accepted; absent → rejected, not sent', () => {
      const input = { ...requested(true), blocked };
      expect(given(input, { type: 'LookupAnswered', result: E.right(venueOrder()) }).facts).toEqual([
        { type: 'OrderAccepted', venueOrderId: 'V1' },
      ]);
      const absent = notFoundOverHorizon(input);
      expect(absent.facts).toEqual([{ type: 'OrderRejected', ...blocked }]);
      expect(absent.next._tag).toBe('none');
    });
  });

  describe('Sending', () => {
    const sending = [requested(), { type: 'SendStarted' } as const];

    it('accepted by the venue → OrderAccepted', () => {
      const s = given(...sending, { type: 'SendAnswered', result: E.right(venueOrder()) });
      expect(s.facts).toEqual([{ type: 'OrderAccepted', venueOrderId: 'V1' }]);
      expect(s.state.status).toBe('Accepted');
    });

    it('an order that closed at once (post-only crossing, IOC) is accepted and cancelled', () => {
      const s = given(...sending, { type: 'SendAnswered', result: E.right(venueOrder('cancelled')) });
      expect(s.facts).toEqual([
        { type: 'OrderAccepted', venueOrderId: 'V1' },
        { type: 'OrderCancelled', filledQty: '0.004', reason: expect.any(String) },
      ]);
    });

    it('rejected by the venue → OrderRejected with the code, never retried', () => {
      const s = given(...sending, {
        type: 'SendAnswered',
        result: E.left({
          _tag: 'VenueRejected',
          venue: 'b',
          op: 'placeOrder',
          code: 'PostOnlyWouldCross',
          message: 'would take',
        }),
      });
      expect(s.facts).toEqual([{ type: 'OrderRejected', code: 'PostOnlyWouldCross', reason: 'would take' }]);
      expect(s.next._tag).toBe('none');
    });

    it('timeout or 5xx → outcome unknown → look up after the delay, never resend', () => {
      for (const e of [
        timeout,
        { _tag: 'VenueUnavailable', venue: 'b', op: 'placeOrder', message: '502' } as const,
      ]) {
        const s = given(...sending, { type: 'SendAnswered', result: E.left(e) });
        expect(s).toMatchObject({
          state: { status: 'InDoubt' },
          next: { _tag: 'lookUp', afterMs: 1_000 },
          facts: [],
        });
      }
    });

    it('a duplicate client order id means the venue has it: look it up', () => {
      const s = given(...sending, {
        type: 'SendAnswered',
        result: E.left({
          _tag: 'VenueRejected',
          venue: 'b',
          op: 'placeOrder',
          code: 'DuplicateClientOrderId',
          message: 'dup',
        }),
      });
      expect(s.next._tag).toBe('lookUp');
      expect(s.facts).toEqual([]);
    });

    it('rate limited: the request did not take effect, so it is sent again after the pause', () => {
      const s = given(...sending, {
        type: 'SendAnswered',
        result: E.left({
          _tag: 'VenueRateLimited',
          venue: 'b',
          op: 'placeOrder',
          retryAfterMs: 700,
          message: '429',
        }),
      });
      expect(s).toMatchObject({ state: { status: 'Ready' }, next: { _tag: 'send', afterMs: 700 } });
    });

    it('credentials refused → rejected (the shell halts the account)', () => {
      const s = given(...sending, {
        type: 'SendAnswered',
        result: E.left({ _tag: 'VenueAuthFailed', venue: 'b', op: 'placeOrder', message: 'bad key' }),
      });
      expect(s.facts).toMatchObject([{ type: 'OrderRejected', code: 'VenueAuthFailed' }]);
    });
  });

  describe('InDoubt', () => {
    const inDoubt = [
      requested(),
      { type: 'SendStarted' } as const,
      { type: 'SendAnswered', result: E.left(timeout) } as const,
    ];

    it('found by client id → accepted, no resend', () => {
      const s = given(...inDoubt, { type: 'LookupAnswered', result: E.right(venueOrder('filled')) });
      expect(s.facts).toEqual([{ type: 'OrderAccepted', venueOrderId: 'V1' }]);
      expect(s.next._tag).toBe('none');
    });

    it('not found once is not proof: the send may still take effect (Binance -1007), so it looks again', () => {
      const s = given(...inDoubt, notFound);
      expect(s).toMatchObject({ state: { status: 'InDoubt' }, next: { _tag: 'lookUp' } });
      expect(s.facts).toEqual([]);
    });

    it('not found over the whole horizon (60 s, the longest receive window) → absence proved → send again', () => {
      const s = notFoundOverHorizon(...inDoubt);
      expect(s).toMatchObject({ state: { status: 'Ready', sends: 1 }, next: { _tag: 'send' } });
      // The first look-up came 1 s after the timeout; the waits after it add up to the rest.
      expect(1_000 + s.waits.slice(1).reduce((a, b) => a + b, 0)).toBe(
        DEFAULT_PLACEMENT_SETTINGS.notFoundHorizonMs,
      );
      expect(s.waits.length).toBeLessThan(10);
    });

    it('a failed look-up is retried with back-off; it never becomes a send', () => {
      const failed = { type: 'LookupAnswered', result: E.left(timeout) } as const;
      expect(given(...inDoubt, failed).next).toEqual({ _tag: 'lookUp', afterMs: 2_000 });
      expect(given(...inDoubt, failed, failed, failed, failed, failed, failed).next).toEqual({
        _tag: 'lookUp',
        afterMs: 16_000,
      });
    });
  });

  describe('Accepted / Rejected', () => {
    it('a redelivered command or a late answer changes nothing', () => {
      const accepted = [
        requested(),
        { type: 'SendStarted' } as const,
        { type: 'SendAnswered', result: E.right(venueOrder()) } as const,
      ];
      expect(given(...accepted, requested()).facts).toHaveLength(1);
      expect(given(...accepted, requested()).next._tag).toBe('none');
      expect(given(...accepted, { type: 'LookupAnswered', result: E.right(null) }).state.status).toBe(
        'Accepted',
      );
    });
  });
});

/** A venue with Binance's semantics: a duplicate id is refused only while the first is open. */
type SendOutcome = 'ok' | 'lostBefore' | 'timeoutAfter' | 'unavailableAfter' | 'rateLimited' | 'fillsAtOnce';
const flakyVenue = (sends: SendOutcome[], lookupFails: boolean[]) => {
  const base = createCountingAdapter({ accountId: 'acc1' });
  const orders: VenueOrder[] = [];
  let n = 0;
  const venue = {
    ...base,
    placeOrder: (o: { clientOrderId: string }) => (): Promise<E.Either<VenueError, VenueOrder>> => {
      const open = orders.find((x) => x.clientOrderId === o.clientOrderId && x.status === 'open');
      if (open)
        return Promise.resolve(
          E.left({
            _tag: 'VenueRejected',
            venue: 'b',
            op: 'placeOrder',
            code: 'DuplicateClientOrderId',
            message: 'dup',
          }),
        );
      const outcome = sends.shift() ?? 'ok';
      const placed = {
        ...venueOrder(outcome === 'fillsAtOnce' ? 'filled' : 'open'),
        venueOrderId: `V${++n}`,
      };
      switch (outcome) {
        case 'lostBefore':
          return Promise.resolve(E.left(timeout));
        case 'rateLimited':
          return Promise.resolve(
            E.left({
              _tag: 'VenueRateLimited',
              venue: 'b',
              op: 'placeOrder',
              retryAfterMs: 10,
              message: '429',
            }),
          );
        case 'timeoutAfter':
          orders.push({ ...placed, status: 'filled' }); // placed, filled and gone before we ask
          return Promise.resolve(E.left(timeout));
        case 'unavailableAfter':
          orders.push(placed);
          return Promise.resolve(
            E.left({ _tag: 'VenueUnavailable', venue: 'b', op: 'placeOrder', message: '503' }),
          );
        case 'ok':
        case 'fillsAtOnce':
          orders.push(placed);
          return Promise.resolve(E.right(placed));
        default: {
          const never: never = outcome;
          return never;
        }
      }
    },
    fetchOrderByClientId: (_s: string, id: string) => (): Promise<E.Either<VenueError, VenueOrder | null>> =>
      Promise.resolve(
        lookupFails.shift() ? E.left(timeout) : E.right(orders.find((x) => x.clientOrderId === id) ?? null),
      ),
  };
  return { venue, orders };
};

describe('placement shell', () => {
  const sleep = () => Promise.resolve();

  it('timeout after the venue took the order: looked up, accepted, not resent', async () => {
    const { venue, orders } = flakyVenue(['timeoutAfter'], []);
    const r = await runPlacement(requested(), { venue, sleep });
    expect(r.facts).toEqual([{ type: 'OrderAccepted', venueOrderId: 'V1' }]);
    expect(orders).toHaveLength(1);
  });

  it('timeout before the venue saw it: looked up, absent, sent once more', async () => {
    const { venue, orders } = flakyVenue(['lostBefore', 'ok'], [true, false]);
    const r = await runPlacement(requested(), { venue, sleep });
    expect(r.facts).toEqual([{ type: 'OrderAccepted', venueOrderId: 'V2' }]);
    expect(orders).toHaveLength(1);
  });

  it('a process that lost the account (its lease) during the look-ups stops before the resend: nothing sent, reported unsent', async () => {
    const { venue, orders } = flakyVenue(['lostBefore', 'ok'], [true, false]);
    let sends = 0;
    const r = await runPlacement(requested(), { venue, sleep, mayAct: () => sends++ === 0 });
    // The first send was allowed (and lost); by the resend the lease had lapsed.
    expect(r.unsent).toBe(true);
    expect(r.facts).toEqual([]);
    expect(orders).toHaveLength(0);
  });

  it('through the coalescer: look-ups are never answered from a cache older than the send', async () => {
    const { venue, orders } = flakyVenue(['lostBefore', 'unavailableAfter'], []);
    const gw = createRequestCoalescer(venue, { windowMs: 60_000, clock: createVirtualClock(0) });
    const r = await runPlacement(requested(), { venue: gw, sleep });
    // lost → look-up: absent → resend → 503 after placing → look-up: found (not the cached "absent").
    expect(r.facts).toEqual([{ type: 'OrderAccepted', venueOrderId: 'V2' }]);
    expect(orders).toHaveLength(1);
  });

  it('property: whatever the venue does, and however often the gateway restarts, one request is at most one venue order', async () => {
    const outcome = fc.constantFrom<SendOutcome>(
      'ok',
      'lostBefore',
      'timeoutAfter',
      'unavailableAfter',
      'rateLimited',
      'fillsAtOnce',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(outcome, { maxLength: 8 }),
        fc.array(fc.boolean(), { maxLength: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        async (sends, lookupFails, restarts, maxLookups) => {
          const { venue, orders } = flakyVenue(sends, lookupFails);
          let r = await runPlacement(requested(), { venue, sleep, maxLookups });
          // A restart reacts to the command again; it was recorded before this process started.
          for (let i = 0; i < restarts && r.state.status !== 'Accepted' && r.state.status !== 'Rejected'; i++)
            r = await runPlacement(requested(true), { venue, sleep, maxLookups });
          expect(orders.length).toBeLessThanOrEqual(1);
          if (r.state.status === 'Accepted')
            expect(orders.map((o) => o.venueOrderId)).toEqual([r.state.venueOrder.venueOrderId]);
          if (r.state.status === 'Rejected') expect(orders).toHaveLength(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('events', () => {
  const ref = { accountId: 'acc1', instrument: 'BTC/USDT:USDT', clientOrderId: 'K1a2b3c' };

  it('placement facts become events whose ids derive from the order: recording twice is the same write', () => {
    const facts = [
      { type: 'OrderAccepted', venueOrderId: 'V1' },
      { type: 'OrderCancelled', filledQty: '0', reason: 'expired' },
    ] as const;
    const a = placementEvents(ref, facts, meta);
    const b = placementEvents(ref, facts, { ...meta, occurredAt: '2024-01-02T00:00:00.000Z' });
    expect(E.isRight(a) && a.right.map((e) => e.type)).toEqual(['OrderAccepted', 'OrderCancelled']);
    expect(E.isRight(a) && E.isRight(b) && a.right.map((e) => e.eventId)).toEqual(
      E.isRight(b) && b.right.map((e) => e.eventId),
    );
  });

  const fill = (tradeId: string, symbol = 'BTC/USDT:USDT'): Fill => ({
    symbol,
    tradeId,
    clientOrderId: 'K1a2b3c',
    venueOrderId: 'V1',
    side: 'buy',
    qty: new Decimal('0.004'),
    price: new Decimal('42000.1'),
    fee: new Decimal('-0.0336'),
    feeAsset: 'USDT',
    liquidity: 'maker',
    ts: 0,
  });

  it('one OrderFilled per venue trade id: repeats and already-recorded trades are skipped', () => {
    const recorded = new Set([fillEventId('acc1', 'BTC/USDT:USDT', 't1')]);
    const r = fillEvents(
      'acc1',
      [fill('t1'), fill('t2'), fill('t2'), fill('t3'), fill('t1', 'ETH/USDT:USDT')],
      recorded,
      meta,
    );
    expect(
      r.events.map((e) => (e.type === 'OrderFilled' ? `${e.data.instrument}:${e.data.tradeId}` : e.type)),
    ).toEqual(['BTC/USDT:USDT:t2', 'BTC/USDT:USDT:t3', 'ETH/USDT:USDT:t1']);
    expect(r.events[0]!.eventId).toBe(fillEventId('acc1', 'BTC/USDT:USDT', 't2'));
    expect(r.refused).toEqual([]);
  });

  it('records every other fill when one cannot be an event, naming the one it refused', () => {
    const bad = { ...fill('t2'), clientOrderId: '' };
    const r = fillEvents('acc1', [fill('t1'), bad, fill('t3')], new Set(), meta);
    expect(r.events.map((e) => (e.type === 'OrderFilled' ? e.data.tradeId : e.type))).toEqual(['t1', 't3']);
    expect(r.refused).toMatchObject([
      { tradeId: 't2', error: { _tag: 'ValidationError', path: '/data/clientOrderId' } },
    ]);
  });

  it('attributes a fill without a client id (Binance userTrades) by its venue order id, or names it after that id', () => {
    const noId = { ...fill('t9'), clientOrderId: '', venueOrderId: 'V77' };
    expect(attributeFill(noId, (v) => (v === 'V77' ? 'K-ours' : undefined)).clientOrderId).toBe('K-ours');
    expect(attributeFill(noId, () => undefined).clientOrderId).toBe('venue-V77');
    expect(attributeFill({ ...noId, venueOrderId: '' }, () => undefined).clientOrderId).toBe(
      'venue-trade-t9',
    );
    expect(attributeFill(fill('t1'), () => 'other')).toEqual(fill('t1'));
  });
});
