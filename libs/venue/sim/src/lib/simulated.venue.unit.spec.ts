import * as E from 'fp-ts/Either';
import { createVirtualClock, VirtualClock } from '@keel/clock';
import { VenueError } from '@keel/venue-domain';
import { MarketEvent } from './market.events';
import { createSimulatedVenue, SimulatedVenue, SimulatedVenueConfig } from './simulated.venue';
import { BINANCE_USDM_BTCUSDT, d, order, quote, right, trade } from '../testing/sim.fixtures';

const setup = (
  events: MarketEvent[],
  over: Partial<SimulatedVenueConfig> = {},
): { clock: VirtualClock; venue: SimulatedVenue } => {
  const clock = createVirtualClock(0);
  const venue = createSimulatedVenue({
    venue: 'sim',
    accountId: 'acct1',
    clock,
    markets: [{ instrument: BINANCE_USDM_BTCUSDT, events }],
    balances: { USDT: '10000' },
    unknownQueueQty: '1',
    ...over,
  });
  return { clock, venue };
};
const codeOf = (r: E.Either<VenueError, unknown>): string =>
  E.isLeft(r) ? (r.left._tag === 'VenueRejected' ? r.left.code : r.left._tag) : 'ok';

/** Decimals compare by value: JSON turns them into their strings. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

const BOOK = [quote(1000, '50000.0', '2', '50000.1', '3')];

describe('SimulatedVenue', () => {
  it('takes an unseen touch (a trade-only tape) in the market’s own units: the curve’s median touch ÷ depthScale', async () => {
    // A tape with prints only: the touch is inferred from them and its size is unknown.
    const tape = [
      trade(1000, 'a', '50000.0', '1', 'sell'),
      trade(1100, 'b', '50000.1', '1', 'buy'),
      trade(2000, 'c', '50000.0', '10', 'sell'),
    ];
    const run = async (depthScale: string) => {
      const { clock, venue } = setup(tape, {
        unknownQueueQty: undefined,
        depthScale,
        balances: { USDT: '1000000000' },
        fillModel: { participationCap: null, impactDecayMs: null },
      });
      clock.advanceTo(1200);
      right(await venue.placeOrder(order({ clientOrderId: 'rest', price: d('50000.0'), qty: d('1') }))());
      const ioc = right(
        await venue.placeOrder(
          order({ clientOrderId: 'take', price: d('50000.1'), qty: d('20'), timeInForce: 'IOC' }),
        )(),
      );
      clock.advanceTo(2000);
      const rest = right(await venue.fetchOrderByClientId('BTCUSDT', 'rest')());
      return { took: ioc.filledQty.toString(), restFilled: rest?.filledQty.toString() };
    };
    // The calibrated market: 7.509 shown at the ask, 7.509 ahead of the resting buy (the print of 10 fills it).
    expect(await run('1')).toEqual({ took: '7.509', restFilled: '1' });
    // A market with 100× the volume (depthScale 0.01): its touch is 750.95 of its units, not 7.5.
    expect(await run('0.01')).toEqual({ took: '20', restFilled: '0' });
  });

  describe('bad input is rejected with a typed reason, never a crash', () => {
    it.each([
      ['unknown instrument', order({ symbol: 'DOGEUSDT' }), 'UnknownInstrument'],
      ['qty under the minimum lot', order({ qty: d('0') }), 'InvalidOrder'],
      ['qty off the lot', order({ qty: d('0.0105') }), 'QtyOffLot'],
      ['price off the tick', order({ price: d('50000.05') }), 'PriceOffTick'],
      ['notional under 100 USDT', order({ qty: d('0.001') }), 'NotionalBelowMinimum'],
      ['market order with a price', order({ type: 'market' }), 'InvalidOrder'],
      ['bad client order id', order({ clientOrderId: 'no-dashes' }), 'InvalidOrder'],
      ['reduce-only with no position', order({ reduceOnly: true }), 'ReduceOnlyWouldIncrease'],
      ['more margin than the balance', order({ qty: d('100') }), 'InsufficientBalance'],
    ])('%s', async (_name, o, code) => {
      const { clock, venue } = setup(BOOK);
      clock.advanceTo(1000);
      expect(codeOf(await venue.placeOrder(o)())).toBe(code);
      expect(right(await venue.fetchOrderByClientId('BTCUSDT', o.clientOrderId)())).toBeNull();
    });

    it('rejects a post-only order that would cross, at arrival', async () => {
      const { clock, venue } = setup(BOOK);
      clock.advanceTo(1000);
      const r = await venue.placeOrder(order({ price: d('50000.1'), timeInForce: 'PO' }))();
      expect(r).toEqual(
        E.left({
          _tag: 'VenueRejected',
          venue: 'sim',
          op: 'placeOrder',
          code: 'PostOnlyWouldCross',
          message: 'post-only buy at 50000.1 would take the ask at 50000.1',
        }),
      );
      expect(right(await venue.fetchOrderByClientId('BTCUSDT', 'c1')())?.status).toBe('rejected');
    });

    it('rejects a duplicate client order id while the first is open, and cancels of unknown orders', async () => {
      const { clock, venue } = setup(BOOK);
      clock.advanceTo(1000);
      right(await venue.placeOrder(order())());
      expect(codeOf(await venue.placeOrder(order())())).toBe('DuplicateClientOrderId');
      expect(codeOf(await venue.cancelOrder('BTCUSDT', 'nope')())).toBe('OrderNotFound');
    });
  });

  describe('queue model', () => {
    it('a buy at the bid waits for the displayed size ahead, then fills from the rest of a print', async () => {
      const { clock, venue } = setup([
        ...BOOK,
        trade(2000, 't1', '50000.0', '1.5', 'sell'), // eats 1.5 of the 2 ahead
        trade(3000, 't2', '50000.0', '0.504', 'sell'), // 0.5 more ahead, 0.004 fills us
        trade(3500, 't3', '50000.1', '5', 'buy'), // buyers lift the ask: nothing for a bid
        trade(4000, 't4', '50000.0', '1', 'sell'), // the other 0.006
      ]);
      clock.advanceTo(1000);
      right(await venue.placeOrder(order())());
      clock.advanceTo(2500);
      expect(venue.allFills()).toEqual([]);
      clock.advanceTo(3600);
      expect(venue.allFills().map((f) => [f.ts, f.qty.toString()])).toEqual([[3000, '0.004']]);
      clock.advanceTo(5000);
      const fills = right(await venue.fetchFills('BTCUSDT', 0)());
      expect(
        fills.map((f) => [f.ts, f.qty.toString(), f.price.toString(), f.liquidity, f.fee.toString()]),
      ).toEqual([
        [3000, '0.004', '50000', 'maker', '0.04'],
        [4000, '0.006', '50000', 'maker', '0.06'],
      ]);
      expect(plain(right(await venue.fetchOrderByClientId('BTCUSDT', 'c1')()))).toMatchObject({
        status: 'filled',
        avgFillPrice: '50000',
      });
      // 10000 − fees 0.1; margin 10% of 500 notional locked.
      expect(plain(right(await venue.fetchBalances()()))).toEqual([
        { asset: 'USDT', total: '9999.9', free: '9949.9' },
      ]);
      expect(plain(right(await venue.fetchPositions()()))).toEqual([
        { symbol: 'BTC/USDT:USDT', qty: '0.01', entryPrice: '50000' },
      ]);
    });

    it('a print through the price fills at once, up to the print size, at the limit (maker)', async () => {
      // No participation cap here: the cap has its own spec (sim.fill-model.unit.spec.ts).
      const { clock, venue } = setup(
        [...BOOK, trade(2000, 't1', '49999.9', '0.003', 'sell'), trade(2001, 't2', '49999.8', '1', 'sell')],
        { fillModel: { participationCap: null } },
      );
      clock.advanceTo(1000);
      right(await venue.placeOrder(order())());
      clock.advanceTo(3000);
      expect(venue.allFills().map((f) => [f.qty.toString(), f.price.toString()])).toEqual([
        ['0.003', '50000'],
        ['0.007', '50000'],
      ]);
    });

    it('two of our orders at one price share the queue ahead: the market volume ahead of both trades once', async () => {
      // Trade-only tape, 1 BTC assumed ahead. Two buys of 0.5 at 50000.0, then a 1.6 sell print at that price:
      // the 1 ahead trades, then 0.5 to the first and 0.1 to the second (not 1 ahead of each of them).
      const { clock, venue } = setup(
        [trade(500, 't0', '50000.0', '0.001', 'sell'), trade(2000, 't1', '50000.0', '1.6', 'sell')],
        {
          fillModel: { participationCap: null, impactDecayMs: null },
          balances: { USDT: '1000000' },
        },
      );
      clock.advanceTo(1000);
      right(await venue.placeOrder(order({ clientOrderId: 'a', qty: d('0.5') }))());
      right(await venue.placeOrder(order({ clientOrderId: 'b', qty: d('0.5') }))());
      clock.advanceTo(2000);
      expect(venue.allFills().map((f) => [f.clientOrderId, f.qty.toString()])).toEqual([
        ['a', '0.5'],
        ['b', '0.1'],
      ]);
    });

    it('a displayed-size drop at the price shortens the queue; where prints exist a crossing quote does not fill', async () => {
      const { clock, venue } = setup([
        ...BOOK,
        quote(2000, '50000.0', '0.2', '50000.1', '3'),
        trade(2500, 't1', '50000.0', '0.205', 'sell'),
        quote(3000, '49999.9', '1', '50000.0', '0.003'),
      ]);
      clock.advanceTo(1000);
      right(await venue.placeOrder(order())());
      clock.advanceTo(3000);
      // The quote at 3000 shows the ask at our price, but this market has prints: they are its
      // traded volume, and none traded at or through 50000.0 after 2500.
      expect(venue.allFills().map((f) => [f.ts, f.qty.toString()])).toEqual([[2500, '0.005']]);
    });
  });

  describe('latency, takers, cancels', () => {
    it('an order arrives after the latency and sees the book of that instant', async () => {
      const { clock, venue } = setup([...BOOK, quote(1040, '50000.1', '1', '50000.2', '1')], {
        latencyMs: 50,
      });
      clock.advanceTo(1000);
      const p = venue.placeOrder(order({ price: d('50000.1'), timeInForce: 'PO' }))();
      expect(right(await venue.fetchOrderByClientId('BTCUSDT', 'c1')())).toBeNull(); // still on its way
      clock.advanceTo(1050);
      expect(right(await p)).toMatchObject({ status: 'open', ts: 1000 });
    });

    it('a market buy fills once at the ask plus calibrated impact, as taker', async () => {
      const { clock, venue } = setup(BOOK);
      clock.advanceTo(1000);
      const o = right(await venue.placeOrder(order({ type: 'market', price: null, qty: d('0.1') }))());
      // 0.1 against a 3 BTC ask: ratio ≤ 1, no impact.
      expect(plain(o)).toMatchObject({ status: 'filled', avgFillPrice: '50000.1' });
      expect(plain(venue.allFills()[0])).toMatchObject({ liquidity: 'taker', fee: '2.500005' });
    });

    it('a crossing IOC takes the touch size and expires the rest; a crossing GTC rests the rest', async () => {
      const { clock, venue } = setup(BOOK, { balances: { USDT: '1000000' } });
      clock.advanceTo(1000);
      const ioc = right(
        await venue.placeOrder(
          order({ clientOrderId: 'ioc', price: d('50000.2'), qty: d('4'), timeInForce: 'IOC' }),
        )(),
      );
      expect(plain(ioc)).toMatchObject({ status: 'expired', filledQty: '3', avgFillPrice: '50000.1' });
      const gtc = right(
        await venue.placeOrder(
          order({ clientOrderId: 'gtc', side: 'sell', price: d('49999.9'), qty: d('2.5') }),
        )(),
      );
      expect(plain(gtc)).toMatchObject({ status: 'partiallyFilled', filledQty: '2' });
      expect(right(await venue.fetchOpenOrders(null)()).map((x) => x.clientOrderId)).toEqual(['gtc']);
    });

    it('cancels after the latency; a fill in between counts; a cancelled order cannot be cancelled again', async () => {
      const { clock, venue } = setup([...BOOK, trade(1500, 't1', '49999.0', '0.004', 'sell')], {
        latencyMs: 10,
        unknownQueueQty: '0',
        fillModel: { participationCap: null },
      });
      clock.advanceTo(1000);
      const placed = venue.placeOrder(order())();
      clock.advanceTo(1490);
      right(await placed);
      const c = venue.cancelOrder('BTCUSDT', 'c1')();
      clock.advanceTo(1600);
      expect(plain(right(await c))).toMatchObject({ status: 'cancelled', filledQty: '0.004' });
      expect(codeOf(await venue.cancelOrder('BTCUSDT', 'c1')())).toBe('OrderNotFound');
      // Reusing the id of a closed order is allowed (Binance only refuses ids of open orders).
      const again = venue.placeOrder(order())();
      clock.advanceTo(1710);
      expect(codeOf(await again)).toBe('ok');
    });

    it('reduce-only closes a position, realising PnL exactly', async () => {
      const { clock, venue } = setup([...BOOK, quote(2000, '50100.0', '2', '50100.1', '3')]);
      clock.advanceTo(1000);
      right(await venue.placeOrder(order({ type: 'market', price: null }))());
      clock.advanceTo(2000);
      right(
        await venue.placeOrder(
          order({ clientOrderId: 'c2', side: 'sell', type: 'market', price: null, reduceOnly: true }),
        )(),
      );
      // buy 0.01 @ 50000.1 (fee 0.2500005), sell 0.01 @ 50100.0 (fee 0.2505), PnL 0.999
      expect(plain(right(await venue.fetchBalances()()))).toEqual([
        { asset: 'USDT', total: '10000.4984995', free: '10000.4984995' },
      ]);
      expect(right(await venue.fetchPositions()())).toEqual([]);
    });

    it('answers fetchTopOfBook and fetchTrades from the replayed data', async () => {
      const { clock, venue } = setup([
        ...BOOK,
        trade(1100, '7', '50000.1', '0.5', 'buy'),
        trade(1200, '8', '50000.0', '0.5', 'sell'),
      ]);
      clock.advanceTo(1300);
      expect(plain(right(await venue.fetchTopOfBook('BTCUSDT')()))).toMatchObject({
        bidPrice: '50000',
        askQty: '3',
        venueAt: 1000,
      });
      expect(right(await venue.fetchTrades('BTCUSDT', '7')()).map((t) => t.tradeId)).toEqual(['8']);
      expect(codeOf(await venue.fetchTopOfBook('ETHUSDT')())).toBe('UnknownInstrument');
      await venue.close();
      expect(codeOf(await venue.fetchBalances()())).toBe('VenueUnavailable');
    });
  });

  describe('spot', () => {
    const SPOT = {
      ...BINANCE_USDM_BTCUSDT,
      venue: 'binance',
      symbol: 'BTC/USDT',
      kind: 'spot' as const,
      settle: 'USDT',
      tickSize: d('0.01'),
      lotSize: d('0.00001'),
      minQty: d('0.00001'),
      minNotional: d('5'),
      makerFee: d('0.001'),
      takerFee: d('0.001'),
    };

    it('moves base and quote exactly, pays the fee in quote, and refuses to sell base it does not have', async () => {
      const { clock, venue } = setup([quote(1000, '50000.00', '1', '50000.01', '1')], {
        markets: [{ instrument: SPOT, events: [quote(1000, '50000.00', '1', '50000.01', '1')] }],
        balances: { USDT: '1000', BTC: '0' },
      });
      clock.advanceTo(1000);
      right(await venue.placeOrder(order({ type: 'market', price: null, qty: d('0.01234') }))());
      // 0.01234 × 50000.01 = 617.0001234; fee 0.6170001234
      expect(plain(right(await venue.fetchBalances()()))).toEqual([
        { asset: 'BTC', total: '0.01234', free: '0.01234' },
        { asset: 'USDT', total: '382.3828764766', free: '382.3828764766' },
      ]);
      expect(right(await venue.fetchPositions()())).toEqual([]);
      expect(
        codeOf(
          await venue.placeOrder(
            order({ clientOrderId: 'c2', side: 'sell', type: 'market', price: null, qty: d('0.02') }),
          )(),
        ),
      ).toBe('InsufficientBalance');
    });
  });
});
