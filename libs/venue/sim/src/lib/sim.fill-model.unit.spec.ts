/**
 * The strict fill rules (issue 18), each shown against the same scenario with the rule off:
 * every spec here fails if its rule is removed from the defaults.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { createVirtualClock, VirtualClock } from '@keel/clock';
import { VenueError } from '@keel/venue-domain';
import { MarketEvent } from './market.events';
import { createSimulatedVenue, SimulatedVenue, SimulatedVenueConfig } from './simulated.venue';
import { FillModel, RollingSum, touchDepletion } from './sim.fill-model';
import { BINANCE_USDM_BTCUSDT_DEPTH } from './slippage.model';
import { BINANCE_USDM_BTCUSDT, d, level, order, quote, right, trade } from '../testing/sim.fixtures';

const setup = (
  events: MarketEvent[],
  model: Partial<FillModel> = {},
  over: Partial<SimulatedVenueConfig> = {},
): { clock: VirtualClock; venue: SimulatedVenue } => {
  const clock = createVirtualClock(0);
  const venue = createSimulatedVenue({
    venue: 'sim',
    accountId: 'acct1',
    clock,
    markets: [{ instrument: BINANCE_USDM_BTCUSDT, events }],
    balances: { USDT: '100000000' },
    unknownQueueQty: '1',
    fillModel: model,
    ...over,
  });
  return { clock, venue };
};
const filled = (v: SimulatedVenue): string =>
  v
    .allFills()
    .reduce((a, f) => a.plus(f.qty), new Decimal(0))
    .toString();
const codeOf = (r: E.Either<VenueError, unknown>): string =>
  E.isLeft(r) ? (r.left._tag === 'VenueRejected' ? r.left.code : r.left._tag) : 'ok';

/** Isolate one rule: the cap and our impact (each with its own spec) off. */
const ONLY = { participationCap: null, impactDecayMs: null } as const;

const BOOK = quote(1000, '50000.0', '2', '50000.1', '3');
const everySecond = (from: number, to: number, make: (t: number) => MarketEvent): MarketEvent[] => {
  const out: MarketEvent[] = [];
  for (let t = from; t <= to; t += 1000) out.push(make(t));
  return out;
};

describe('strict fill rules (the defaults)', () => {
  it('consumed liquidity: one displayed size cannot fill twice; only new size at the level fills again', async () => {
    // A resting buy of 1 at 50000.0; the ask comes down to it showing 0.2 and stays there, unchanged, for 5 s.
    const events = [
      BOOK,
      ...everySecond(2000, 6000, (t) => quote(t, '49999.9', '1', '50000.0', '0.2')),
      quote(7000, '49999.9', '1', '50000.0', '0.5'),
    ];
    const run = async (model: Partial<FillModel>) => {
      const { clock, venue } = setup(events, { ...ONLY, ...model });
      clock.advanceTo(1000);
      right(await venue.placeOrder(order({ qty: d('1') }))());
      clock.advanceTo(6000);
      const before = filled(venue);
      clock.advanceTo(7000);
      return [before, filled(venue)];
    };
    // Strict: 0.2 once; at 7000 the level shows 0.5, 0.3 of it new.
    expect(await run({})).toEqual(['0.2', '0.5']);
    // Without the rule the same 0.2 fills every second.
    expect(await run({ consumeLiquidity: false })).toEqual(['1', '1']);
  });

  it('consumed liquidity: a market order and a crossing limit cannot take the same displayed ask', async () => {
    const { clock, venue } = setup([BOOK], ONLY);
    clock.advanceTo(1000);
    right(await venue.placeOrder(order({ clientOrderId: 'm1', type: 'market', price: null, qty: d('2') }))());
    const ioc = right(
      await venue.placeOrder(
        order({ clientOrderId: 'i1', price: d('50000.1'), qty: d('2'), timeInForce: 'IOC' }),
      )(),
    );
    expect(ioc.filledQty.toString()).toBe('1'); // 3 shown − 2 taken
  });

  it('a traded-through order is resolved: the level that left fills it, and the rest waits for new volume', async () => {
    // Resting buy 3 at the 50000.0 bid (2 ahead). The bid then drops to 49999.5 while the ask stays above
    // 50000.0: the 2 displayed at 50000.0 left through our price.
    const events = [
      BOOK,
      quote(2000, '49999.5', '1', '50000.3', '1'),
      quote(3000, '49999.5', '1', '50000.3', '1'),
      quote(4000, '49999.5', '1', '50000.0', '0.4'),
    ];
    const run = async (model: Partial<FillModel>) => {
      const { clock, venue } = setup(events, { ...ONLY, ...model });
      clock.advanceTo(1000);
      right(await venue.placeOrder(order({ qty: d('3') }))());
      const at = [];
      for (const t of [2000, 3000, 4000]) {
        clock.advanceTo(t);
        at.push(filled(venue));
      }
      return at;
    };
    expect(await run({})).toEqual(['2', '2', '2.4']);
    // Without the rule the order sits on as if nothing had happened until the ask reaches it.
    expect(await run({ resolveTradeThrough: false })).toEqual(['0', '0', '0.4']);
  });

  it('passive fills are bounded by traded volume: where prints exist, a crossing quote fills nothing', async () => {
    const events = [
      BOOK,
      trade(1500, 't1', '50000.1', '0.5', 'buy'),
      quote(2000, '49999.9', '1', '50000.0', '1'),
    ];
    const run = async (model: Partial<FillModel>) => {
      const { clock, venue } = setup(events, { ...ONLY, ...model });
      clock.advanceTo(1000);
      right(await venue.placeOrder(order({ qty: d('1') }))());
      clock.advanceTo(2000);
      return filled(venue);
    };
    expect(await run({})).toBe('0');
    expect(await run({ fillsFromPrintsWhenPresent: false })).toBe('1');
  });

  it('participation cap: passive fills stay within the share of the window’s traded volume', async () => {
    const events = [
      BOOK,
      trade(2000, 't1', '49999.0', '0.004', 'sell'),
      trade(3000, 't2', '49999.0', '0.006', 'sell'),
    ];
    const run = async (model: Partial<FillModel>) => {
      const { clock, venue } = setup(events, model, { unknownQueueQty: '0' });
      clock.advanceTo(1000);
      right(await venue.placeOrder(order({ qty: d('1') }))());
      clock.advanceTo(3000);
      return filled(venue);
    };
    // 0.5 × (0.004 + 0.006) = 0.005 in the minute; without the cap both prints fill us in full.
    expect(await run({})).toBe('0.005');
    expect(await run({ participationCap: null })).toBe('0.01');
  });

  it('a market order larger than the book fills over time as the book recovers, not at once', async () => {
    const depth = BINANCE_USDM_BTCUSDT_DEPTH.bookDepthQty; // 371.728
    const events = [BOOK, ...everySecond(2000, 600_000, (t) => quote(t, '50000.0', '2', '50000.1', '3'))];
    const run = async (model: Partial<FillModel>) => {
      const { clock, venue } = setup(events, { ...ONLY, ...model });
      clock.advanceTo(1000);
      const o = right(await venue.placeOrder(order({ type: 'market', price: null, qty: d('600') }))());
      const first = o.filledQty;
      clock.advanceTo(600_000);
      const fills = venue.allFills();
      return {
        first,
        status: o.status,
        fills: fills.length,
        total: filled(venue),
        last: fills[fills.length - 1]?.ts,
      };
    };
    const strict = await run({});
    expect(strict.first.lte(depth)).toBe(true);
    expect(strict.status).not.toBe('filled');
    expect(strict.total).toBe('600');
    expect(strict.fills).toBeGreaterThan(2);
    expect(strict.last).toBeGreaterThan(10_000); // it took time
    const atOnce = await run({ marketOrdersOverTime: false });
    expect(atOnce).toMatchObject({ first: d('600'), status: 'filled', fills: 1 });
  });

  it('impact of our own trading: the replayed prices move against us, passive fills included, and decay back', async () => {
    const events = [BOOK, ...everySecond(2000, 1_000_000, (t) => quote(t, '50000.0', '2', '50000.1', '3'))];
    const run = async (model: Partial<FillModel>) => {
      const { clock, venue } = setup(events, { participationCap: null, ...model });
      clock.advanceTo(1000);
      right(await venue.placeOrder(order({ type: 'market', price: null, qty: d('100') }))());
      clock.advanceTo(2000);
      const after = right(await venue.fetchTopOfBook('BTCUSDT')());
      clock.advanceTo(1_000_000);
      const later = right(await venue.fetchTopOfBook('BTCUSDT')());
      return [after.bidPrice.toString(), later.bidPrice.toString()];
    };
    const [after, later] = await run({});
    // edge impact of 100 BTC ≈ 4.6 bps ≈ 23 USDT at 50,000, decayed over one second of the 60 s time constant
    expect(
      d(after ?? '0')
        .minus('50000.0')
        .gt(20),
    ).toBe(true);
    expect(later).toBe('50000');
    expect(await run({ impactDecayMs: null })).toEqual(['50000', '50000']);

    // Passive buying moves it too: a resting buy filled by a crossing quote lifts the later quotes.
    const passive = [
      BOOK,
      quote(2000, '49999.9', '100', '50000.0', '60'),
      ...everySecond(3000, 5000, (t) => quote(t, '50000.0', '2', '50000.1', '3')),
    ];
    const { clock, venue } = setup(passive, { participationCap: null });
    clock.advanceTo(1000);
    right(await venue.placeOrder(order({ qty: d('50') }))());
    clock.advanceTo(3000);
    expect(filled(venue)).toBe('50');
    expect(right(await venue.fetchTopOfBook('BTCUSDT')()).bidPrice.gt('50000.0')).toBe(true);
  });

  it('market-data latency: the account sees the book late; post-only is judged against the real touch', async () => {
    const events = [BOOK, quote(1040, '49999.9', '1', '50000.0', '1')];
    const { clock, venue } = setup(events, {}, { latencyMs: 50 });
    clock.advanceTo(1060);
    // The 1040 quote is 20 ms old: the account still sees the 1000 one (ask 50000.1).
    const seen = right(await venue.fetchTopOfBook('BTCUSDT')());
    expect(seen.askPrice.toString()).toBe('50000.1');
    // A post-only buy at 50000.0 looks passive to it, but the real ask is already 50000.0.
    const p = venue.placeOrder(order({ price: d('50000.0'), timeInForce: 'PO' }))();
    clock.advanceTo(1110);
    expect(codeOf(await p)).toBe('PostOnlyWouldCross');
    expect(right(await venue.fetchTopOfBook('BTCUSDT')()).askPrice.toString()).toBe('50000');
    // With no market-data latency it would have seen the real ask at once.
    const z = setup(events, { marketDataLatencyMs: 0 }, { latencyMs: 50 });
    z.clock.advanceTo(1060);
    expect(right(await z.venue.fetchTopOfBook('BTCUSDT')()).askPrice.toString()).toBe('50000');
  });

  it('queue from depth: an order behind the touch queues behind the recorded level, not an assumed size', async () => {
    // A buy of 1 at 49999.9, one tick behind the bid, where the book shows 0.5. The bid then comes
    // down to it (3 displayed: 2.5 of it joined behind us) and a seller prints 1 there.
    const events = [
      BOOK,
      level(1000, 'bid', '49999.9', '0.5'),
      quote(2000, '49999.9', '3', '50000.0', '1'),
      trade(3000, 't1', '49999.9', '1', 'sell'),
    ];
    const run = async (model: Partial<FillModel>) => {
      const { clock, venue } = setup(events, { ...ONLY, ...model }, { unknownQueueQty: '5' });
      clock.advanceTo(1000);
      right(await venue.placeOrder(order({ price: d('49999.9'), qty: d('1') }))());
      clock.advanceTo(3000);
      return filled(venue);
    };
    // 0.5 ahead: the print's first 0.5 goes to them, the rest to us.
    expect(await run({})).toBe('0.5');
    // Without the rule the queue is the assumed 5, capped at the 3 displayed: the print fills nothing.
    expect(await run({ queueFromDepth: false })).toBe('0');
  });

  it('queue from depth: a level that shrinks caps the queue ahead, never fills us, and growth joins behind', async () => {
    const events = [
      BOOK,
      level(1000, 'bid', '49999.9', '4'),
      level(1500, 'bid', '49999.9', '1.2'),
      level(1600, 'bid', '49999.9', '10'),
      quote(2000, '49999.9', '10', '50000.0', '1'),
      trade(3000, 't1', '49999.9', '1.5', 'sell'),
    ];
    const run = async (model: Partial<FillModel>) => {
      const { clock, venue } = setup(events, { ...ONLY, ...model }, { unknownQueueQty: '5' });
      clock.advanceTo(1000);
      right(await venue.placeOrder(order({ price: d('49999.9'), qty: d('1') }))());
      clock.advanceTo(2000);
      const before = filled(venue);
      clock.advanceTo(3000);
      return [before, filled(venue)];
    };
    // 4 ahead, cut to 1.2 by the shrink (still 1.2 after the level grows to 10): 0.3 of the print is ours.
    expect(await run({})).toEqual(['0', '0.3']);
    // Without the rule: 5 assumed ahead, capped at 10 displayed: the print of 1.5 fills nothing.
    expect(await run({ queueFromDepth: false })).toEqual(['0', '0']);
  });
});

describe('fill-model parts', () => {
  it('touch depletion counts a shrinking level and a level the price left, never an improving one', () => {
    const t = (p: string, q: string) => ({ price: d(p), qty: d(q) });
    expect(touchDepletion('bid', t('100', '5'), t('100', '3')).toString()).toBe('2');
    expect(touchDepletion('bid', t('100', '5'), t('99', '7')).toString()).toBe('5');
    expect(touchDepletion('bid', t('100', '5'), t('101', '1')).toString()).toBe('0');
    expect(touchDepletion('ask', t('100', '5'), t('101', '1')).toString()).toBe('5');
    expect(touchDepletion('ask', null, t('101', '1')).toString()).toBe('0');
  });

  it('a rolling sum forgets what left the window and stays flat in memory', () => {
    const r = new RollingSum(1000);
    for (let t = 0; t < 100_000; t += 10) r.add(t, 1);
    expect(r.sum(100_000)).toBe(99); // (99,000, 100,000) holds 99 entries... the one at 99,000 left
    expect(r.sum(200_000)).toBe(0);
  });
});
