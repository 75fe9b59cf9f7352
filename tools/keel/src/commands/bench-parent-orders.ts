/**
 * A real parent-order stream for the benchmarks (`keel bench codec`, `keel bench
 * execution-start`): the execution decider driven through targets, ticks, fills and cancels.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import {
  decide,
  defaultExecutionConfig,
  evolve,
  initialState,
  ParentOrderCommand,
  ParentOrderEvent,
  ParentOrderState,
} from '@keel/execution-domain';
import { BINANCE_USDM_BTCUSDT } from '@keel/instruments';

const T0 = Date.parse('2026-01-01T00:00:00Z');
/**
 * The events of `parents` parent orders of one account, each driven to completion on a moving
 * touch (target `targetIdOf(p)`, alternately 1 and 0).
 */
export const parentOrderHistory = (
  parents: number,
  o: { readonly accountId?: string; readonly targetIdOf?: (p: number) => string } = {},
): ParentOrderEvent[] => {
  const accountId = o.accountId ?? 'acc1';
  const cfg = defaultExecutionConfig({ accounts: [accountId], instruments: [BINANCE_USDM_BTCUSDT] });
  const out: ParentOrderEvent[] = [];
  let state: ParentOrderState = initialState();
  let now = T0;
  let price = new Decimal('90000');
  let trade = 0;
  const apply = (c: ParentOrderCommand): void => {
    const r = decide(c, state, cfg);
    if (E.isLeft(r)) return;
    out.push(...r.right);
    state = r.right.reduce(evolve, state);
  };
  const market = () => ({
    tradeQty: new Decimal(trade),
    tradeNotional: price.times(trade),
    midMs: price.times(now - T0),
    ms: now - T0,
  });
  for (let p = 0; p < parents; p++) {
    const position = state.position.toFixed();
    apply({
      type: 'SetTarget',
      targetId: o.targetIdOf?.(p) ?? `t${p}`,
      accountId,
      instrument: BINANCE_USDM_BTCUSDT.symbol,
      currentPosition: position,
      targetPosition: p % 2 === 0 ? '1' : '0',
      start: now,
      deadline: now + 20 * 60_000,
      slices: 10,
      now,
      touch: { bid: price, ask: price.plus('0.1') },
      market: market(),
    });
    for (let step = 0; step < 60 && state.status === 'Working'; step++) {
      now += 30_000;
      price = price.plus(step % 3 === 0 ? '0.5' : '-0.2');
      trade += 1;
      apply({
        type: 'Tick',
        now,
        touch: { bid: price, ask: price.plus('0.1') },
        market: market(),
      });
      if (state.status !== 'Working') break;
      for (const ch of state.children) {
        if (ch.status === 'Requested')
          apply({ type: 'RecordAccepted', clientOrderId: ch.clientOrderId, now });
        else if (ch.status === 'Cancelling')
          apply({ type: 'RecordCancelled', clientOrderId: ch.clientOrderId, now });
        else if (step % 2 === 0)
          apply({
            type: 'RecordFill',
            clientOrderId: ch.clientOrderId,
            tradeId: `x${out.length}`,
            qty: ch.qty.minus(ch.filled),
            price: ch.price ?? price,
            fee: new Decimal('0.01'),
            liquidity: ch.kind === 'passive' ? 'maker' : 'taker',
            now,
          });
      }
    }
    now += 60_000;
  }
  return out;
};
