/**
 * SimulatedVenue: the VenueAdapter for paper trading and backtests, one account, driven by
 * recorded (or synthetic) market data and an injected Clock.
 *
 * Time. Market events carry venue time; clock time = data time + `timeOffsetMs`. The venue
 * keeps ONE timer on the clock, at its next internal event (a market event or an order
 * arriving after `latencyMs`), and processes everything due when it fires, in time order
 * (market events before order arrivals at the same instant). Under a virtual clock a
 * backtest runs as fast as the CPU allows (`clock.advanceTo(t)` or `runUntil(t)`); under a
 * real or accelerated clock it replays in (scaled) real time. Every call also catches up to
 * `clock.now()` first, so answers never lag the clock.
 *
 * Orders. Checks that need no market state (instrument, grid, minimums, duplicate id,
 * reduce-only, balance) answer at once; the order then reaches the matching engine
 * `latencyMs` later, and `placeOrder` resolves then (post-only cross checks and taker fills
 * happen at arrival, against the book of that instant). A cancel also travels `latencyMs`.
 *
 * Queue model (resting limit orders; a buy is described, a sell mirrors it):
 * - On arrival the order joins the back of the queue at its price P: queueAhead = the
 *   displayed bid size if P equals the best bid; 0 if P improves on the best bid; and
 *   `unknownQueueQty` if P is below the best bid or no quotes are known (trade-only tapes,
 *   whose touch is inferred from the last buy/sell prints); behind the touch, the recorded
 *   level's size where the data has L2 updates (queueFromDepth), which also cap it as it shrinks.
 * - A print at P by a seller first depletes queueAhead, and only the rest fills us.
 * - A print below P (traded through) fills us with up to the print's size; queueAhead → 0.
 * - A quote whose ask reaches P is an inferred trade: up to the ask size still available to
 *   us fills us (quote-only markets; where prints exist they alone are the traded volume).
 * - A quote with the bid at P caps queueAhead at the displayed size (those ahead left); a bid
 *   below P sets it to 0, and if it was at or above P before, the level traded through us
 *   and its size fills us.
 * - One print's size is shared by our orders in price-time priority; resting fills are
 *   maker fills at P, within the participation cap. Nothing else fills a resting order.
 * The strict rules (consumed liquidity, fills from prints, trade-throughs resolved, the
 * participation cap, our own decaying impact on the replayed prices, oversized market
 * orders filling over time, market-data latency) are settings: sim.fill-model.ts.
 *
 * Takers. A market order takes the touch's available size at the touch and walks the depth
 * curve (slippage.model.ts, absolute sizes) for the rest, up to the depth left to it; what
 * the book cannot take now fills as it recovers. A limit order that crosses on arrival takes
 * up to the available touch size at the touch price (taker); IOC expires the rest, GTC rests
 * at P with queueAhead 0; post-only is rejected (PostOnlyWouldCross) against the real touch.
 * Where the touch size is unknown (trade-only tapes) it is the calibration's median touch size.
 *
 * Funding (sim.funding.ts). Perpetuals settle funding at 00:00, 08:00 and 16:00 UTC of the
 * data's time at a configured constant rate (the recorded data has no funding rates): the
 * position held into the instant (every event before it, none at it) × the mark (mid of
 * the last quote, else the last print) × rate, booked in the settle asset and listed by
 * `fetchFunding`. Instants are settled as the event loop passes them, so they need no timer
 * of their own and the result depends only on the data, the config and the calls.
 *
 * Deterministic: the same data, config and calls give the same fills (ids are counters).
 *
 * The file is long because it is the one stateful shell of the simulator (event loop, arrivals,
 * fills, the port); the rules it applies live in sim.matching.ts, sim.checks.ts, sim.account.ts
 * and slippage.model.ts.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import type { Clock } from '@keel/clock';
import type { AccountRead } from '@keel/venue-accounts';
import {
  applyFill,
  Balance,
  closeOrder,
  exact,
  plain,
  feeAsset,
  feeOf,
  Fill,
  FundingPayment,
  Instrument,
  isTerminal,
  Liquidity,
  remainingQty,
  openOrder,
  OrderRequest,
  Position,
  RejectCode,
  TopOfBook,
  toVenueOrder,
  TradePrint,
  VenueAdapter,
  VenueError,
  VenueOp,
  VenueOrder,
} from '@keel/venue-domain';
import { roundQtyDown } from '@keel/instruments';
import { DepthEvent, MarketEvent, QuoteEvent, TradeEvent } from './market.events';
import { checkOrder, lockedFunds, venueRejected } from './sim.checks';
import { FillFn, joinQueue, matchDepth, matchQuote, matchTrade, Touch, WorkingOrder } from './sim.matching';
import {
  DEFAULT_SIM_FUNDING_RATE,
  FUNDING_INTERVAL_MS,
  fundingAmount,
  nextFundingAfter,
  simFundingId,
} from './sim.funding';
import {
  accountPayloadOf,
  applyFillToAccount,
  applyFundingToAccount,
  balancesOf,
  createAccount,
  isDerivative,
  positionQty,
  positionsOf,
  settleCurrencyOf,
  SimAccount,
} from './sim.account';
import {
  BINANCE_USDM_BTCUSDT_DEPTH,
  DepthCurve,
  edgeImpactBps,
  impactedPrice,
  takeCostBps,
} from './slippage.model';
import {
  availableAt,
  FillModel,
  ImpactState,
  Ledger,
  RollingSum,
  STRICT_FILL_MODEL,
  take,
  touchDepletion,
} from './sim.fill-model';

export interface SimMarket {
  readonly instrument: Instrument;
  /** Time-ordered market events (venue time, epoch ms). */
  readonly events: Iterable<MarketEvent>;
}

export interface SimulatedVenueConfig {
  readonly venue: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly markets: readonly SimMarket[];
  /** Asset → starting total, e.g. `{ USDT: '10000' }`. */
  readonly balances: Readonly<Record<string, Decimal.Value>>;
  /** One-way order latency (place and cancel), ms. Default 0. */
  readonly latencyMs?: number;
  /** clock time = data time + offset. Default 0 (a virtual clock started at the data's start). */
  readonly timeOffsetMs?: number;
  /** The depth curve (market-order impact, our impact on the book); default: calibrated on Binance USD-M BTCUSDT depth. */
  readonly impactCurve?: DepthCurve;
  /** Sizes of this market × depthScale = sizes on the curve (another instrument's depth); default 1. */
  readonly depthScale?: Decimal.Value;
  /** The fill rules (sim.fill-model.ts); every rule defaults to the strict one. */
  readonly fillModel?: Partial<FillModel>;
  /** Queue ahead where the book is not visible; default the curve's median touch size in this market's units (÷ depthScale, whole lots). */
  readonly unknownQueueQty?: Decimal.Value;
  /** Margin locked per unit of derivative notional (positions and open orders). Default 0.1 (10×). */
  readonly initialMarginRate?: Decimal.Value;
  /** Public prints kept for fetchTrades. Default 1000. */
  readonly tradeHistory?: number;
  /**
   * Funding rate per 8 h applied to every perpetual (a constant: the recorded data has no
   * funding rates). Default `DEFAULT_SIM_FUNDING_RATE` (0.0001); null settles no funding.
   */
  readonly fundingRate?: Decimal.Value | null;
}

interface MarketState {
  readonly instrument: Instrument;
  readonly it: Iterator<MarketEvent>;
  head: MarketEvent | undefined;
  /** The touch as matching sees it: recorded prices moved by our impact. */
  bid: Touch | null;
  ask: Touch | null;
  /** The recorded touch (the liquidity ledger's prices). */
  rawBid: Touch | null;
  rawAsk: Touch | null;
  hasQuotes: boolean;
  /** A print was seen: prints are the traded volume (fillsFromPrintsWhenPresent). */
  hasPrints: boolean;
  quoteAt: number;
  readonly prints: TradePrint[];
  readonly ledger: Ledger;
  /** The market's volume and our passive fills over the participation window. */
  readonly volume: RollingSum;
  readonly ours: RollingSum;
  readonly impact: ImpactState;
  /** Our decaying net flow for the book depth left to market orders (always on for marketOrdersOverTime). */
  readonly flow: ImpactState;
  /** Quotes as the account sees them (market-data latency), oldest first; the first is the one shown. */
  readonly seen: Array<{ readonly at: number; readonly bid: Touch; readonly ask: Touch }>;
  /**
   * The recorded book behind the touch, per side: level size by recorded price (only levels an
   * update has shown; a level updated to 0 leaves). Empty without L2 data or `queueFromDepth`.
   */
  readonly levels: { readonly bid: Map<string, Decimal>; readonly ask: Map<string, Decimal> };
  /** A touch whose size the data does not show (a trade-only tape), in this market's units (`medianTouchOf`). */
  readonly unseenTouch: Decimal;
  /** Queue ahead where the book is not visible: `unknownQueueQty`, else `unseenTouch`. */
  readonly unknownQueue: Decimal;
}

type Arrival =
  | {
      readonly type: 'place';
      readonly at: number;
      readonly seq: number;
      readonly order: WorkingOrder;
      readonly done: (r: E.Either<VenueError, VenueOrder>) => void;
    }
  | {
      readonly type: 'cancel';
      readonly at: number;
      readonly seq: number;
      readonly order: WorkingOrder;
      readonly done: (r: E.Either<VenueError, VenueOrder>) => void;
    };

/** The simulator, with a few extras beyond the port for harnesses. */
export interface SimulatedVenue extends VenueAdapter {
  /** Process every internal event due by `t` (clock time) now; the clock's timer does this by itself. */
  processUntil(t: number): void;
  /** Clock time of the next internal event, or null when the data is exhausted and nothing is pending. */
  nextEventAt(): number | null;
  /** Every fill so far, all symbols, oldest first. */
  allFills(): readonly Fill[];
}

export const createSimulatedVenue = (cfg: SimulatedVenueConfig): SimulatedVenue => {
  const clock = cfg.clock;
  const latency = cfg.latencyMs ?? 0;
  const offset = cfg.timeOffsetMs ?? 0;
  const curve = cfg.impactCurve ?? BINANCE_USDM_BTCUSDT_DEPTH;
  const scale = exact(cfg.depthScale ?? 1);
  const model: FillModel = { ...STRICT_FILL_MODEL, ...cfg.fillModel };
  const mdLatency = model.marketDataLatencyMs ?? latency;
  /**
   * A touch whose size the data does not show (a trade-only tape), in this market's units: the
   * curve's median touch size mapped back through `depthScale` (the curve is in BTC; an XRP or
   * ETH tape's touch is not 7.5 of its own units), whole lots, at least one.
   */
  const medianTouchOf = (i: Instrument): Decimal =>
    Decimal.max(i.lotSize, roundQtyDown(curve.medianTouchQty.div(scale), i.lotSize));
  const marginRate = exact(cfg.initialMarginRate ?? '0.1');
  const keep = cfg.tradeHistory ?? 1000;
  const timerName = `venue-sim:${cfg.venue}:${cfg.accountId}`;
  const fundingRate = cfg.fundingRate === null ? null : exact(cfg.fundingRate ?? DEFAULT_SIM_FUNDING_RATE);

  const markets = new Map<string, MarketState>();
  for (const m of cfg.markets) {
    const it = m.events[Symbol.iterator]();
    const n = it.next();
    const unseenTouch = medianTouchOf(m.instrument);
    markets.set(m.instrument.symbol, {
      instrument: m.instrument,
      it,
      head: n.done ? undefined : n.value,
      bid: null,
      ask: null,
      rawBid: null,
      rawAsk: null,
      hasQuotes: false,
      hasPrints: false,
      quoteAt: 0,
      prints: [],
      ledger: { bid: null, ask: null },
      volume: new RollingSum(model.participationWindowMs),
      ours: new RollingSum(model.participationWindowMs),
      impact: new ImpactState(model.impactDecayMs),
      flow: new ImpactState(model.impactDecayMs ?? STRICT_FILL_MODEL.impactDecayMs),
      seen: [],
      levels: { bid: new Map(), ask: new Map() },
      unseenTouch,
      unknownQueue: cfg.unknownQueueQty !== undefined ? exact(cfg.unknownQueueQty) : unseenTouch,
    });
  }
  const account: SimAccount = createAccount(cfg.balances);
  const orders = new Map<string, WorkingOrder>(); // by `${symbol}|${clientOrderId}`
  // Orders not yet closed (in flight or working): the hot loops look only at these.
  const open = new Set<WorkingOrder>();
  const arrivals: Arrival[] = [];
  const fills: Fill[] = [];
  const funding: FundingPayment[] = [];
  /** The next funding instant, in data time. */
  let nextFunding = nextFundingAfter(clock.now() - offset);
  let seq = 0;
  let fillSeq = 0;
  let closed = false;
  let cancelTimer: (() => void) | null = null;
  let timerAt: number | null = null;
  let processing = false;

  const key = (symbol: string, cid: string) => `${symbol}|${cid}`;
  const rejected = (op: string, code: RejectCode, message: string): VenueError =>
    venueRejected(cfg.venue, op, code, message);
  const unavailable = (op: string, message: string): VenueError => ({
    _tag: 'VenueUnavailable',
    venue: cfg.venue,
    op,
    message,
  });
  const findMarket = (symbol: string): MarketState | undefined =>
    markets.get(symbol) ?? [...markets.values()].find((m) => m.instrument.venueSymbol === symbol);

  // ---- the event loop -------------------------------------------------------------------

  const nextMarket = (): MarketState | undefined => {
    let best: MarketState | undefined;
    for (const m of markets.values())
      if (m.head && (!best || m.head.venueAt < (best.head as MarketEvent).venueAt)) best = m;
    return best;
  };

  const nextEventAt = (): number | null => {
    const m = nextMarket();
    const a = arrivals[0];
    const mt = m ? (m.head as MarketEvent).venueAt + offset : Infinity;
    const at = a ? a.at : Infinity;
    const t = Math.min(mt, at);
    return Number.isFinite(t) ? t : null;
  };

  const processUntil = (t: number): void => {
    if (processing) return;
    processing = true;
    try {
      for (;;) {
        const m = nextMarket();
        const a = arrivals[0];
        const mt = m ? (m.head as MarketEvent).venueAt + offset : Infinity;
        if (m && mt <= t && (!a || mt <= a.at)) {
          settleFundingUpTo(mt);
          const ev = m.head as MarketEvent;
          const n = m.it.next();
          m.head = n.done ? undefined : n.value;
          onMarket(m, ev, mt);
        } else if (a && a.at <= t) {
          settleFundingUpTo(a.at);
          arrivals.shift();
          onArrival(a);
        } else break;
      }
      settleFundingUpTo(t);
    } finally {
      processing = false;
    }
    reschedule();
  };

  const reschedule = (): void => {
    if (closed) return;
    const next = nextEventAt();
    if (next === timerAt) return;
    cancelTimer?.();
    cancelTimer = null;
    timerAt = next;
    if (next !== null)
      cancelTimer = clock.setTimer(timerName, next, () => {
        timerAt = null;
        cancelTimer = null;
        processUntil(clock.now());
      });
  };

  const catchUp = (): void => processUntil(clock.now());

  // ---- market events --------------------------------------------------------------------

  /** Open orders, dropping closed ones as it goes (closing happens in several places). */
  const stillOpen = (): WorkingOrder[] => {
    const out: WorkingOrder[] = [];
    for (const o of open) {
      if (isTerminal(o.state.status)) open.delete(o);
      else out.push(o);
    }
    return out;
  };

  const workingOn = (symbol: string): WorkingOrder[] =>
    stillOpen().filter((o) => o.live && o.instrument.symbol === symbol);

  /** Resting limit orders (a market order still filling over time is not in the book). */
  const restingOn = (symbol: string): WorkingOrder[] =>
    workingOn(symbol).filter((o) => o.state.request.type !== 'market');

  /** A resting order's fill, within the participation cap. */
  const makerFill =
    (m: MarketState, now: number): FillFn =>
    (o, q, p) => {
      let cap = q;
      if (model.participationCap !== null) {
        const room = model.participationCap * m.volume.sum(now) - m.ours.sum(now);
        cap = Decimal.min(q, roundQtyDown(new Decimal(Math.max(0, room)), o.instrument.lotSize));
      }
      const filled = fillOrder(o, cap, p, 'maker', now);
      m.ours.add(now, filled.toNumber());
      return filled;
    };

  /**
   * How far our own trading has moved this market's prices (self-impact): the depth curve's
   * edge impact of our decaying net quantity, in whole ticks, against us (up after we bought).
   */
  const shiftOf = (m: MarketState, now: number, ref: Decimal): Decimal => {
    const d = m.impact.now(now);
    if (d === 0) return exact(0);
    const bps = edgeImpactBps(curve, new Decimal(Math.abs(d)).times(scale));
    const tick = m.instrument.tickSize;
    const ticks = ref.times(bps).div(10000).div(tick).floor();
    return d > 0 ? ticks.times(tick) : ticks.times(tick).neg();
  };

  const shifted = (t: Touch, by: Decimal): Touch =>
    by.isZero() ? t : { price: t.price.plus(by), qty: t.qty };

  /** Market orders still filling (oversized for the book): they take more as it recovers. */
  const fillPendingTakers = (m: MarketState, now: number): void => {
    for (const o of workingOn(m.instrument.symbol))
      if (o.state.request.type === 'market') takeMarket(m, o, now);
  };

  const onMarket = (m: MarketState, ev: MarketEvent, now: number): void => {
    switch (ev.type) {
      case 'trade':
        return onTrade(m, ev, now);
      case 'quote':
        return onQuote(m, ev, now);
      case 'depth':
        return onDepth(m, ev, now);
      default: {
        const never: never = ev;
        return never;
      }
    }
  };

  const onTrade = (m: MarketState, raw: TradeEvent, now: number): void => {
    const by = shiftOf(m, now, raw.price);
    const ev = by.isZero() ? raw : { ...raw, price: raw.price.plus(by) };
    m.hasPrints = true;
    m.volume.add(now, raw.qty.toNumber());
    m.prints.push({
      symbol: m.instrument.symbol,
      tradeId: ev.tradeId,
      price: ev.price,
      qty: ev.qty,
      side: ev.side,
      venueAt: now,
    });
    if (m.prints.length > keep) m.prints.splice(0, m.prints.length - keep);
    if (!m.hasQuotes) {
      // Trade-only tape: the touch is where the last buyer / seller traded; its size is unknown.
      if (ev.side === 'buy') m.ask = { price: ev.price, qty: null };
      else m.bid = { price: ev.price, qty: null };
    }
    matchTrade(restingOn(m.instrument.symbol), ev, makerFill(m, now));
    fillPendingTakers(m, now);
  };

  const onQuote = (m: MarketState, ev: QuoteEvent, now: number): void => {
    const rawBid: Touch = { price: ev.bidPrice, qty: ev.bidQty };
    const rawAsk: Touch = { price: ev.askPrice, qty: ev.askQty };
    const by = shiftOf(m, now, ev.bidPrice.plus(ev.askPrice).div(2));
    const prevBid = m.bid;
    const prevAsk = m.ask;
    if (!m.hasPrints)
      m.volume.add(
        now,
        touchDepletion('bid', m.rawBid, rawBid)
          .plus(touchDepletion('ask', m.rawAsk, rawAsk))
          .toNumber(),
      );
    m.hasQuotes = true;
    m.quoteAt = now;
    m.rawBid = rawBid;
    m.rawAsk = rawAsk;
    m.bid = shifted(rawBid, by);
    m.ask = shifted(rawAsk, by);
    m.seen.push({ at: now, bid: m.bid, ask: m.ask });
    // Keep only what the account can still be shown: the newest quote at least mdLatency old, and later ones.
    while (m.seen.length > 1 && (m.seen[1] as { at: number }).at <= now - mdLatency) m.seen.shift();
    const oppSide = (side: 'buy' | 'sell'): 'bid' | 'ask' => (side === 'buy' ? 'ask' : 'bid');
    matchQuote(restingOn(m.instrument.symbol), m.bid, m.ask, makerFill(m, now), {
      fills: !(model.fillsFromPrintsWhenPresent && m.hasPrints),
      available: (side) => available(m, oppSide(side)),
      consume: (side, qty) => consume(m, oppSide(side), qty),
      previousOwn: (side) => (model.resolveTradeThrough ? (side === 'buy' ? prevBid : prevAsk) : null),
    });
    fillPendingTakers(m, now);
  };

  /** A book update: remembered for orders joining behind the touch, and it caps the queue ahead there. */
  const onDepth = (m: MarketState, ev: DepthEvent, now: number): void => {
    if (!model.queueFromDepth) return;
    const book = m.levels[ev.side];
    if (ev.qty.isZero()) book.delete(ev.price.toString());
    else book.set(ev.price.toString(), ev.qty);
    matchDepth(restingOn(m.instrument.symbol), ev.side, ev.price.plus(shiftOf(m, now, ev.price)), ev.qty);
  };

  /** The recorded size of our side's level at `p` (matching's price, our impact included); null: not known. */
  const levelAt = (m: MarketState, side: 'buy' | 'sell', p: Decimal, now: number): Decimal | null =>
    model.queueFromDepth
      ? (m.levels[side === 'buy' ? 'bid' : 'ask'].get(p.minus(shiftOf(m, now, p)).toString()) ?? null)
      : null;

  /** The displayed size of one side's touch still there for us (liquidity consumption). */
  const available = (m: MarketState, side: 'bid' | 'ask'): Decimal => {
    const raw = side === 'bid' ? m.rawBid : m.rawAsk;
    const shown = (side === 'bid' ? m.bid : m.ask)?.qty ?? m.unseenTouch;
    if (!model.consumeLiquidity || raw === null) return exact(shown);
    return availableAt(m.ledger[side], raw.price, exact(shown));
  };

  const consume = (m: MarketState, side: 'bid' | 'ask', qty: Decimal): void => {
    const raw = side === 'bid' ? m.rawBid : m.rawAsk;
    if (!model.consumeLiquidity || raw === null || qty.lte(0)) return;
    m.ledger[side] = take(m.ledger[side], raw.price, qty);
  };

  /**
   * A market order takes what the book has for it now: the depth left to us (the curve's book
   * depth less our recent net flow this way), the touch's displayed size at the touch and the
   * rest along the depth curve (takeCostBps); what the book cannot take now waits for the book to recover (marketOrdersOverTime), or fills at once.
   */
  const takeMarket = (m: MarketState, o: WorkingOrder, now: number): void => {
    const r = o.state.request;
    const opp = r.side === 'buy' ? m.ask : m.bid;
    if (!opp) return;
    let q = remainingQty(o.state);
    if (model.marketOrdersOverTime) {
      const ours = Math.max(0, (r.side === 'buy' ? 1 : -1) * m.flow.now(now));
      const room = curve.bookDepthQty.div(scale).minus(ours);
      q = Decimal.min(q, roundQtyDown(Decimal.max(0, room), o.instrument.lotSize));
    }
    if (q.lte(0)) return;
    const side = r.side === 'buy' ? 'ask' : 'bid';
    const shown = available(m, side);
    const price = impactedPrice(r.side, opp.price, takeCostBps(curve, shown.times(scale), q.times(scale)));
    const filled = fillOrder(o, q, price, 'taker', now);
    consume(m, side, Decimal.min(filled, shown));
  };

  // ---- funding --------------------------------------------------------------------------

  /** The mark funding is settled against: mid of the last quote, else the last print. */
  const markOf = (m: MarketState): Decimal | null => {
    if (m.hasQuotes && m.bid && m.ask) return exact(m.bid.price).plus(m.ask.price).div(2);
    const last = m.prints[m.prints.length - 1];
    return last ? exact(last.price) : null;
  };

  /** Settle every funding instant up to clock time `t` (before any event at `t`). */
  const settleFundingUpTo = (t: number): void => {
    if (fundingRate === null) return;
    while (nextFunding + offset <= t) {
      const at = nextFunding + offset;
      for (const m of [...markets.values()].sort((x, y) =>
        x.instrument.symbol < y.instrument.symbol ? -1 : 1,
      )) {
        const i = m.instrument;
        const qty = positionQty(account, i.symbol);
        const mark = markOf(m);
        if (i.kind !== 'perpetual' || qty.isZero() || mark === null) continue;
        const amount = fundingAmount(i, qty, mark, fundingRate);
        applyFundingToAccount(account, i.settle, amount);
        funding.push({
          symbol: i.symbol,
          fundingId: simFundingId(i, at),
          amount: plain(amount),
          asset: i.settle,
          venueAt: at,
        });
      }
      nextFunding += FUNDING_INTERVAL_MS;
    }
  };

  // ---- fills ----------------------------------------------------------------------------

  /** Fill up to `qty` (capped for reduce-only); returns the quantity actually filled. */
  const fillOrder = (
    o: WorkingOrder,
    qty: Decimal,
    price: Decimal,
    liquidity: Liquidity,
    now: number,
  ): Decimal => {
    const r = o.state.request;
    if (qty.lte(0)) return exact(0);
    let q = qty;
    if (r.reduceOnly && isDerivative(o.instrument)) {
      const pos = positionQty(account, r.symbol);
      const reducible =
        (r.side === 'sell' && pos.gt(0)) || (r.side === 'buy' && pos.lt(0)) ? pos.abs() : exact(0);
      q = Decimal.min(q, reducible);
      if (q.isZero()) {
        expire(o, now);
        return exact(0);
      }
    }
    const tradeId = `sim${++fillSeq}`;
    const next = applyFill(o.state, { tradeId, qty: q, price, ts: now });
    if (E.isLeft(next)) return exact(0); // cannot happen: q ≤ remaining by construction
    o.state = next.right;
    const fee = feeOf(o.instrument, q, price, liquidity);
    applyFillToAccount(account, o.instrument, r.side, q, price, fee);
    const fm = findMarket(o.instrument.symbol);
    fm?.impact.add(now, r.side, q);
    fm?.flow.add(now, r.side, q);
    fills.push({
      symbol: r.symbol,
      tradeId,
      clientOrderId: r.clientOrderId,
      venueOrderId: o.state.venueOrderId,
      side: r.side,
      qty: plain(q),
      price: plain(price),
      fee: plain(fee),
      feeAsset: feeAsset(o.instrument),
      liquidity,
      ts: now,
    });
    return q;
  };

  const expire = (o: WorkingOrder, now: number): void => {
    const c = closeOrder(o.state, 'expired', now);
    if (E.isRight(c)) o.state = c.right;
  };

  // ---- order arrival --------------------------------------------------------------------

  const onArrival = (a: Arrival): void => {
    const o = a.order;
    const now = a.at;
    if (a.type === 'cancel') {
      const c = closeOrder(o.state, 'cancelled', now);
      if (E.isLeft(c))
        return a.done(
          E.left(
            rejected(
              'cancelOrder',
              'OrderNotFound',
              `order ${o.state.request.clientOrderId} is already ${o.state.status}`,
            ),
          ),
        );
      o.state = c.right;
      return a.done(E.right(toVenueOrder(o.state)));
    }
    o.live = true;
    const m = findMarket(o.instrument.symbol) as MarketState;
    const r = o.state.request;
    const opp = r.side === 'buy' ? m.ask : m.bid;
    const own = r.side === 'buy' ? m.bid : m.ask;
    if (r.type === 'market') {
      if (!opp) {
        o.state = { ...o.state, status: 'rejected', ts: now };
        return a.done(
          E.left(
            rejected(
              'placeOrder',
              'InvalidOrder',
              `no ${r.side === 'buy' ? 'ask' : 'bid'} to take on ${r.symbol} yet`,
            ),
          ),
        );
      }
      takeMarket(m, o, now);
      // What the book could not take now stays working (over time), else it expires (reduce-only caps).
      if (!isTerminal(o.state.status) && !model.marketOrdersOverTime) expire(o, now);
      return a.done(E.right(toVenueOrder(o.state)));
    }
    const p = r.price as Decimal;
    const crosses = opp !== null && (r.side === 'buy' ? opp.price.lte(p) : opp.price.gte(p));
    if (crosses && r.timeInForce === 'PO') {
      o.state = { ...o.state, status: 'rejected', ts: now };
      return a.done(
        E.left(
          rejected(
            'placeOrder',
            'PostOnlyWouldCross',
            `post-only ${r.side} at ${p.toString()} would take the ${r.side === 'buy' ? 'ask' : 'bid'} at ${opp.price.toString()}`,
          ),
        ),
      );
    }
    if (crosses) {
      const side = r.side === 'buy' ? 'ask' : 'bid';
      const shown = available(m, side);
      if (shown.gt(0)) consume(m, side, fillOrder(o, Decimal.min(r.qty, shown), opp.price, 'taker', now));
    }
    if (!isTerminal(o.state.status)) {
      if (r.timeInForce === 'IOC') expire(o, now);
      else
        o.queueAhead = crosses
          ? exact(0)
          : joinQueue(r.side, p, own, m.unknownQueue, levelAt(m, r.side, p, now));
    }
    return a.done(E.right(toVenueOrder(o.state)));
  };

  // ---- checks at submission -------------------------------------------------------------

  const locked = (): Map<string, Decimal> =>
    lockedFunds(
      stillOpen(),
      account,
      cfg.markets.map((x) => x.instrument),
      marginRate,
    );

  const check = (r: OrderRequest): E.Either<VenueError, Instrument> => {
    const m = findMarket(r.symbol);
    const touch = m ? ((r.side === 'buy' ? m.ask : m.bid)?.price ?? null) : null;
    return checkOrder(r, {
      venue: cfg.venue,
      instrument: m?.instrument,
      prior: m ? orders.get(key(m.instrument.symbol, r.clientOrderId)) : undefined,
      touch,
      position: m ? positionQty(account, m.instrument.symbol) : exact(0),
      free: (asset) => (account.balances.get(asset) ?? exact(0)).minus(locked().get(asset) ?? 0),
      marginRate,
    });
  };

  // ---- the port -------------------------------------------------------------------------

  const guard =
    <A>(
      op: string,
      body: () => Promise<E.Either<VenueError, A>> | E.Either<VenueError, A>,
    ): TE.TaskEither<VenueError, A> =>
    async () => {
      if (closed) return E.left(unavailable(op, 'simulated venue is closed'));
      try {
        catchUp();
        return await body();
      } catch (e) {
        // The simulator must never crash its caller: an internal fault is an unavailable venue.
        return E.left(unavailable(op, e instanceof Error ? e.message : String(e)));
      }
    };

  const enqueue = (make: (done: Arrival['done']) => Arrival): Promise<E.Either<VenueError, VenueOrder>> =>
    new Promise((resolve) => {
      const a = make(resolve);
      // Stable by (at, seq): arrivals are appended in seq order and `at` never decreases for one latency.
      const idx = arrivals.findIndex((x) => x.at > a.at);
      if (idx < 0) arrivals.push(a);
      else arrivals.splice(idx, 0, a);
      if (a.at <= clock.now()) processUntil(clock.now());
      else reschedule();
    });

  const notFound = (op: string, symbol: string, cid: string) =>
    rejected(op, 'OrderNotFound', `clientOrderId=${cid}: no such order on ${symbol}`);

  // Start the clock-driven replay: the first market event gets its timer now.
  reschedule();

  return {
    venue: cfg.venue,
    accountId: cfg.accountId,
    weight: (_op: VenueOp) => 1,
    loadInstruments: () => guard('loadInstruments', () => E.right(cfg.markets.map((m) => m.instrument))),
    fetchTopOfBook: (symbol) =>
      guard('fetchTopOfBook', (): E.Either<VenueError, TopOfBook> => {
        const m = findMarket(symbol);
        if (!m)
          return E.left(
            rejected('fetchTopOfBook', 'UnknownInstrument', `symbol=${symbol}: no such instrument`),
          );
        const now = clock.now();
        // Market-data latency: the newest quote at least mdLatency old (the tape's inferred touch is as of now).
        while (m.seen.length > 1 && (m.seen[1] as { at: number }).at <= now - mdLatency) m.seen.shift();
        const q = m.seen[0];
        const shown = m.hasQuotes ? (q && q.at <= now - mdLatency ? q : null) : null;
        const bid = m.hasQuotes ? shown?.bid : m.bid;
        const ask = m.hasQuotes ? shown?.ask : m.ask;
        if (!bid || !ask) return E.left(unavailable('fetchTopOfBook', `no quote for ${symbol} yet`));
        const lastPrint = m.prints[m.prints.length - 1];
        return E.right({
          symbol: m.instrument.symbol,
          bidPrice: bid.price,
          bidQty: bid.qty ?? new Decimal(0),
          askPrice: ask.price,
          askQty: ask.qty ?? new Decimal(0),
          venueAt: shown ? shown.at : (lastPrint?.venueAt ?? now),
        });
      }),
    fetchTrades: (symbol, sinceTradeId) =>
      guard('fetchTrades', () => {
        const m = findMarket(symbol);
        if (!m)
          return E.left(rejected('fetchTrades', 'UnknownInstrument', `symbol=${symbol}: no such instrument`));
        const idx = sinceTradeId === null ? -1 : m.prints.findIndex((p) => p.tradeId === sinceTradeId);
        return E.right(m.prints.slice(idx + 1));
      }),
    fetchBalances: () =>
      guard('fetchBalances', (): E.Either<VenueError, readonly Balance[]> =>
        E.right(balancesOf(account, locked())),
      ),
    fetchPositions: () =>
      guard('fetchPositions', (): E.Either<VenueError, readonly Position[]> => E.right(positionsOf(account))),
    fetchAccount: () =>
      guard('fetchAccount', (): E.Either<VenueError, AccountRead> => {
        const at = clock.now();
        const body = accountPayloadOf(account, {
          currency: settleCurrencyOf(
            cfg.markets.map((m) => m.instrument),
            account,
          ),
          at,
          marginRate,
          locked: locked(),
          markets: [...markets.values()].map((m) => ({ instrument: m.instrument, mark: markOf(m) })),
        });
        return E.right({ model: 'sim', payloads: { account: body }, sentAt: at, receivedAt: at });
      }),
    fetchOpenOrders: (symbol) =>
      guard('fetchOpenOrders', () =>
        E.right(
          stillOpen()
            .filter(
              (o) =>
                o.live &&
                !isTerminal(o.state.status) &&
                (symbol === null || o.instrument.symbol === symbol || o.instrument.venueSymbol === symbol),
            )
            .sort((a, b) => a.seq - b.seq)
            .map((o) => toVenueOrder(o.state)),
        ),
      ),
    placeOrder: (order) =>
      guard('placeOrder', async () => {
        const ok = check(order);
        if (E.isLeft(ok)) return ok;
        const instrument = ok.right;
        const s = ++seq;
        const w: WorkingOrder = {
          state: openOrder({ ...order, symbol: instrument.symbol }, String(s), clock.now()),
          instrument,
          seq: s,
          queueAhead: exact(0),
          live: false,
        };
        orders.set(key(instrument.symbol, order.clientOrderId), w);
        open.add(w);
        return enqueue((done) => ({ type: 'place', at: clock.now() + latency, seq: s, order: w, done }));
      }),
    cancelOrder: (symbol, cid) =>
      guard('cancelOrder', async () => {
        const m = findMarket(symbol);
        const w = m ? orders.get(key(m.instrument.symbol, cid)) : undefined;
        if (!w) return E.left(notFound('cancelOrder', symbol, cid));
        if (isTerminal(w.state.status))
          return E.left(
            rejected(
              'cancelOrder',
              'OrderNotFound',
              `clientOrderId=${cid}: order is already ${w.state.status}`,
            ),
          );
        return enqueue((done) => ({ type: 'cancel', at: clock.now() + latency, seq: ++seq, order: w, done }));
      }),
    fetchOrderByClientId: (symbol, cid) =>
      guard('fetchOrder', () => {
        const m = findMarket(symbol);
        const w = m ? orders.get(key(m.instrument.symbol, cid)) : undefined;
        // An order still on its way has not reached the venue: the venue never saw it.
        return E.right(w && w.live ? toVenueOrder(w.state) : null);
      }),
    fetchFills: (symbol, sinceTs) =>
      guard('fetchFills', () => {
        const m = findMarket(symbol);
        const s = m?.instrument.symbol;
        return E.right(fills.filter((f) => f.symbol === s && f.ts >= sinceTs));
      }),
    fetchFunding: (sinceTs) =>
      guard('fetchFunding', () => E.right(funding.filter((f) => f.venueAt >= sinceTs))),
    close: async () => {
      closed = true;
      cancelTimer?.();
      cancelTimer = null;
      // Orders still in flight are answered: the venue went away before they arrived.
      for (const a of arrivals.splice(0))
        a.done(
          E.left(unavailable(a.type === 'place' ? 'placeOrder' : 'cancelOrder', 'simulated venue closed')),
        );
    },
    processUntil,
    nextEventAt,
    allFills: () => fills,
  };
};
