import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { VenueError, VenueOrder } from '@keel/venue-domain';
import { createCountingAdapter } from '../testing/counting.adapter';
import {
  CancelAction,
  CancelInput,
  CancelState,
  CancelStep,
  decideCancel,
  initialCancel,
  runCancel,
} from './order-cancel';

const BTC = 'BTC/USDT:USDT';
const order = (status: VenueOrder['status'], filled = '0'): VenueOrder => ({
  symbol: BTC,
  clientOrderId: 'k1',
  venueOrderId: 'V1',
  side: 'sell',
  type: 'limit',
  qty: new Decimal(1),
  price: new Decimal(10),
  filledQty: new Decimal(filled),
  avgFillPrice: null,
  status,
  ts: 0,
});
const timeout: VenueError = { _tag: 'VenueTimeout', venue: 'b', op: 'cancelOrder', ms: 5000 };
const requested: Extract<CancelInput, { type: 'Requested' }> = {
  type: 'Requested',
  instrument: BTC,
  clientOrderId: 'k1',
};

const given = (...inputs: CancelInput[]) => {
  let state: CancelState = initialCancel;
  let next: CancelAction = { _tag: 'none' };
  const facts: CancelStep['facts'][number][] = [];
  for (const input of inputs) {
    const s = decideCancel(state, input);
    facts.push(...s.facts);
    ({ state, next } = s);
  }
  return { state, next, facts };
};

describe('cancel decider', () => {
  it('Idle: a request sends a cancel; a repeat changes nothing', () => {
    expect(given(requested).next).toEqual({ _tag: 'cancel', afterMs: 0 });
    expect(given(requested, requested).next).toEqual({ _tag: 'none' });
  });

  it('Cancelling: the venue cancelled it → OrderCancelled with the filled part', () => {
    const s = given(requested, { type: 'CancelAnswered', result: E.right(order('cancelled', '0.4')) });
    expect(s.facts).toEqual([{ type: 'OrderCancelled', filledQty: '0.4', reason: expect.any(String) }]);
    expect(s.state).toEqual({ status: 'Done', outcome: 'cancelled' });
  });

  it('Cancelling: a timeout or an unknown-order answer is looked up, not assumed', () => {
    expect(given(requested, { type: 'CancelAnswered', result: E.left(timeout) })).toMatchObject({
      state: { status: 'InDoubt' },
      next: { _tag: 'lookUp', afterMs: 500 },
      facts: [],
    });
    expect(
      given(requested, {
        type: 'CancelAnswered',
        result: E.left({
          _tag: 'VenueRejected',
          venue: 'b',
          op: 'cancelOrder',
          code: 'OrderNotFound',
          message: '-2011',
        }),
      }).next,
    ).toEqual({ _tag: 'lookUp', afterMs: 0 });
  });

  it('InDoubt: filled meanwhile → no OrderCancelled (the fills tell the story)', () => {
    const s = given(
      requested,
      { type: 'CancelAnswered', result: E.left(timeout) },
      { type: 'LookupAnswered', result: E.right(order('filled', '1')) },
    );
    expect(s).toMatchObject({ state: { status: 'Done', outcome: 'filled' }, facts: [] });
  });

  it('InDoubt: still open → cancel again; unknown to the venue → cancelled with nothing filled', () => {
    const base = [requested, { type: 'CancelAnswered', result: E.left(timeout) } as const];
    expect(given(...base, { type: 'LookupAnswered', result: E.right(order('open')) }).next).toEqual({
      _tag: 'cancel',
      afterMs: 1_000,
    });
    expect(given(...base, { type: 'LookupAnswered', result: E.right(null) }).facts).toMatchObject([
      { type: 'OrderCancelled', filledQty: '0' },
    ]);
  });
});

describe('cancel shell', () => {
  it('cancels a resting order through the adapter', async () => {
    const venue = createCountingAdapter();
    await venue.placeOrder({
      symbol: BTC,
      clientOrderId: 'k1',
      side: 'buy',
      type: 'limit',
      qty: new Decimal(1),
      price: new Decimal(1),
      timeInForce: 'GTC',
      reduceOnly: false,
    })();
    const r = await runCancel(requested, { venue, sleep: () => Promise.resolve() });
    expect(r.facts).toMatchObject([{ type: 'OrderCancelled', filledQty: '0' }]);
    expect(venue.counts()).toEqual({ placeOrder: 1, cancelOrder: 1 });
  });

  it('stops looking up after maxLookups failures, without recording anything', async () => {
    const venue = {
      ...createCountingAdapter(),
      cancelOrder: () => () => Promise.resolve(E.left(timeout)),
      fetchOrderByClientId: () => () => Promise.resolve(E.left(timeout)),
    };
    const r = await runCancel(requested, { venue, sleep: () => Promise.resolve(), maxLookups: 3 });
    expect(r).toMatchObject({ state: { status: 'InDoubt', lookups: 3 }, facts: [] });
  });
});
