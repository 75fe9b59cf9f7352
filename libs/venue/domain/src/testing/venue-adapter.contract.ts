/**
 * The venue port's contract: one suite every VenueAdapter must pass (STYLE.md #12), run
 * against the simulator, ccxt (through a signed stand-in server) and the gateway's HTTP shim.
 * What the gateway relies on is asserted here once: a client order id names one order; a
 * look-up by it finds the order in any state or says "none" (never an error); open orders
 * list exactly the live ones; a cancel closes; a cancel of an unknown order is a typed
 * OrderNotFound; market orders fill in full with exact decimal fees; answers keep decimals;
 * funding payments are read since a time, oldest first, the same when asked again; the whole
 * account is read as the venue's bodies (storable as JSON), timed, and either derived by the
 * venue's account model or refused with the path of the field it could not read.
 *
 * Specs only (jest globals). Each subject gives a symbol, a resting price and a valid size
 * for its market; `settle` lets the venue act (e.g. advance a virtual clock).
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { deriveAccount } from '@keel/venue-accounts';
import type { OrderRequest, VenueAdapter, VenueOrder } from '../lib/venue.port';

export interface VenueContractSubject {
  readonly venue: VenueAdapter;
  readonly symbol: string;
  /** A buy limit price that rests (well below the touch) and passes the venue's rules with `qty`. */
  readonly restingBuyPrice: Decimal;
  /** A size valid for both a resting order at `restingBuyPrice` and a market order. */
  readonly qty: Decimal;
  /** The taker fee rate a market order pays (e.g. 0.0005): each fill's fee must be exactly qty × price × rate. */
  readonly takerFeeRate: Decimal;
  /** Run `task` while letting the venue act (advance a virtual clock); default: just await it. */
  readonly drive?: <A>(task: Promise<A>) => Promise<A>;
  close(): Promise<void>;
}

const right = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected Right, got Left ${JSON.stringify(r.left)}`);
  return r.right;
};

/** Registers the contract's tests for one adapter; `tag` makes the client order ids unique per run. */
export const venueAdapterContract = (
  name: string,
  make: () => Promise<VenueContractSubject>,
  tag = 'c',
): void => {
  describe(`VenueAdapter contract: ${name}`, () => {
    let s: VenueContractSubject;
    const run = <A>(task: Promise<A>): Promise<A> => (s.drive ? s.drive(task) : task);
    const cid = (n: string) => `k${tag}${n}`.slice(0, 32);
    const limit = (clientOrderId: string): OrderRequest => ({
      symbol: s.symbol,
      clientOrderId,
      side: 'buy',
      type: 'limit',
      qty: s.qty,
      price: s.restingBuyPrice,
      timeInForce: 'PO',
      reduceOnly: false,
    });

    beforeAll(async () => {
      s = await make();
    }, 60_000);
    afterAll(async () => {
      await s?.close();
    });

    it('lists its instruments with positive tick, lot and contract size', async () => {
      const instruments = right(await run(s.venue.loadInstruments()()));
      const i = instruments.find((x) => x.symbol === s.symbol);
      expect(i).toBeDefined();
      expect(i?.tickSize.gt(0)).toBe(true);
      expect(i?.lotSize.gt(0)).toBe(true);
      expect(i?.contractSize.gt(0)).toBe(true);
    });

    it('answers the top of book with bid below ask', async () => {
      const b = right(await run(s.venue.fetchTopOfBook(s.symbol)()));
      expect(b.bidPrice.lt(b.askPrice)).toBe(true);
      expect(b.bidQty.gt(0)).toBe(true);
    });

    it('rests a post-only limit order under our client order id, found by look-up and in the open orders', async () => {
      const id = cid('rest1');
      const placed: VenueOrder = right(await run(s.venue.placeOrder(limit(id))()));
      expect(placed).toMatchObject({ clientOrderId: id, symbol: s.symbol, side: 'buy', status: 'open' });
      expect(placed.qty.eq(s.qty)).toBe(true);
      expect(placed.filledQty.isZero()).toBe(true);
      const found = right(await run(s.venue.fetchOrderByClientId(s.symbol, id)()));
      expect(found).toMatchObject({ clientOrderId: id, venueOrderId: placed.venueOrderId, status: 'open' });
      const open = right(await run(s.venue.fetchOpenOrders(s.symbol)()));
      expect(open.filter((o) => o.clientOrderId === id)).toHaveLength(1);
      const all = right(await run(s.venue.fetchOpenOrders(null)()));
      expect(all.filter((o) => o.clientOrderId === id)).toHaveLength(1);
    });

    it('cancels it: the answer, the look-up and the open orders all say so', async () => {
      const id = cid('rest1');
      const cancelled = right(await run(s.venue.cancelOrder(s.symbol, id)()));
      expect(cancelled).toMatchObject({ clientOrderId: id, status: 'cancelled' });
      expect(right(await run(s.venue.fetchOrderByClientId(s.symbol, id)()))).toMatchObject({
        clientOrderId: id,
        status: 'cancelled',
      });
      const open = right(await run(s.venue.fetchOpenOrders(s.symbol)()));
      expect(open.filter((o) => o.clientOrderId === id)).toHaveLength(0);
    });

    it('says "none" (not an error) when looking up a client order id it never saw', async () => {
      expect(right(await run(s.venue.fetchOrderByClientId(s.symbol, cid('never1'))()))).toBeNull();
    });

    it('answers a cancel of an unknown order with a typed OrderNotFound', async () => {
      const r = await run(s.venue.cancelOrder(s.symbol, cid('never2'))());
      expect(r).toMatchObject(E.left({ _tag: 'VenueRejected', code: 'OrderNotFound' }));
    });

    it('fills a market order in full, and its fills carry our client order id and an exact fee', async () => {
      const id = cid('mkt1');
      const placed = right(
        await run(
          s.venue.placeOrder({
            symbol: s.symbol,
            clientOrderId: id,
            side: 'buy',
            type: 'market',
            qty: s.qty,
            price: null,
            timeInForce: 'IOC',
            reduceOnly: false,
          })(),
        ),
      );
      expect(placed.clientOrderId).toBe(id);
      const done = right(await run(s.venue.fetchOrderByClientId(s.symbol, id)()));
      expect(done?.status).toBe('filled');
      expect(done?.filledQty.eq(s.qty)).toBe(true);
      const fills = right(await run(s.venue.fetchFills(s.symbol, 0)())).filter((f) => f.clientOrderId === id);
      expect(fills.length).toBeGreaterThan(0);
      expect(fills.reduce((a, f) => a.plus(f.qty), new Decimal(0)).eq(s.qty)).toBe(true);
      for (const f of fills) {
        expect(f.liquidity).toBe('taker');
        expect(f.fee.eq(f.qty.mul(f.price).mul(s.takerFeeRate))).toBe(true);
        expect(f.tradeId).not.toBe('');
      }
    });

    it('reports balances as exact decimals', async () => {
      const balances = right(await run(s.venue.fetchBalances()()));
      expect(balances.length).toBeGreaterThan(0);
      for (const b of balances) {
        expect(b.total).toBeInstanceOf(Decimal);
        expect(b.free.lte(b.total) || b.total.isNeg()).toBe(true);
      }
    });

    it('reads the whole account: named bodies that survive JSON, timed, derived by its model or refused with a path', async () => {
      const read = right(await run(s.venue.fetchAccount()()));
      expect(Object.keys(read.payloads).length).toBeGreaterThan(0);
      // The bodies are stored as they came (AccountSnapshotReported.raw): they must be plain JSON.
      expect(JSON.parse(JSON.stringify(read.payloads))).toEqual(read.payloads);
      expect(read.receivedAt).toBeGreaterThanOrEqual(read.sentAt);
      const instruments = right(await run(s.venue.loadInstruments()()));
      const derived = deriveAccount(read, { instruments });
      if (E.isRight(derived)) {
        expect(derived.right.model).toBe(read.model);
        for (const b of derived.right.balances) expect(b.total.eq(b.free.plus(b.locked))).toBe(true);
      } else {
        // A model not written yet, or a body it refuses: named, never a partial answer.
        expect(derived.left.path).not.toBe('');
      }
    });

    it('reads funding payments since a time, oldest first, with exact amounts and a venue id each, the same when asked again', async () => {
      const paid = right(await run(s.venue.fetchFunding(0)()));
      for (const [i, p] of paid.entries()) {
        expect(p.amount).toBeInstanceOf(Decimal);
        expect(p.fundingId).toMatch(/^\S+$/);
        expect(p.asset).not.toBe('');
        if (i > 0) expect(p.venueAt).toBeGreaterThanOrEqual((paid[i - 1] as { venueAt: number }).venueAt);
      }
      const again = right(await run(s.venue.fetchFunding(0)()));
      expect(again.map((p) => [p.symbol, p.fundingId, p.amount.toFixed()])).toEqual(
        paid.map((p) => [p.symbol, p.fundingId, p.amount.toFixed()]),
      );
      const later =
        paid.length > 0
          ? right(
              await run(s.venue.fetchFunding((paid[paid.length - 1] as { venueAt: number }).venueAt + 1)()),
            )
          : [];
      expect(later).toEqual([]);
    });
  });
};
