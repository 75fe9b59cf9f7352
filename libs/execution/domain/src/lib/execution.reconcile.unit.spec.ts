/**
 * Start-up reconciliation, the pure part: which children are in flight per account, how far
 * back the gateway's log is read, and which recorded venue facts become commands (only those
 * of open children, in log order).
 */
import { RecordedEvent } from '@keel/events';
import { emptyAggregate, ExecutionAggregate } from './execution.aggregate';
import { inFlightByAccount, reconcileSteps } from './execution.reconcile';
import { childOrderId, parentOrderIdFor } from './parent-order.decide';
import { BTC, run, setTarget, T0, TOUCH } from '../testing/execution.fixtures';

/** An aggregate of `account` whose parent order has posted its first slice (four clips, the default). */
const working = (account: string): ExecutionAggregate => {
  const { state } = run([
    setTarget({ accountId: account }),
    { type: 'Tick', now: T0, touch: TOUCH, market: null },
  ]);
  return { ...emptyAggregate(account, BTC.symbol), state };
};
const fact = (
  type: 'OrderAccepted' | 'OrderFilled',
  clientOrderId: string,
  position: number,
): RecordedEvent =>
  ({
    type,
    eventId: `e${position}`,
    globalPosition: position,
    data:
      type === 'OrderAccepted'
        ? { accountId: 'acc1', instrument: BTC.symbol, clientOrderId, venueOrderId: 'v1' }
        : {
            accountId: 'acc1',
            instrument: BTC.symbol,
            clientOrderId,
            tradeId: `t${position}`,
            side: 'buy',
            qty: '0.001',
            price: '90000',
            fee: '0',
            feeAsset: 'USDT',
            liquidity: 'maker',
          },
  }) as unknown as RecordedEvent;

describe('start-up reconciliation', () => {
  it('groups the children in flight by account and reads back to a minute before the oldest', () => {
    const [a] = inFlightByAccount([working('acc1'), emptyAggregate('acc2', BTC.symbol)]);
    expect(a?.accountId).toBe('acc1');
    expect(a?.open.size).toBe(4);
    expect(a?.readBackTo).toBe(T0 - 60_000);
    expect(inFlightByAccount([emptyAggregate('acc2', BTC.symbol)])).toEqual([]);
  });

  it('turns the facts of open children into commands, in log order, and ignores the rest', () => {
    const [account] = inFlightByAccount([working('acc1')]);
    if (!account) throw new Error('no account in flight');
    const open = childOrderId('acc1', parentOrderIdFor('acc1', BTC.symbol, 'tgt1'), 0);
    expect(account.open.has(open)).toBe(true);
    const steps = reconcileSteps(
      account,
      [fact('OrderAccepted', open, 1), fact('OrderFilled', 'someoneElse', 2), fact('OrderFilled', open, 3)],
      T0 + 5000,
    );
    expect(steps.map((s) => [s.command.type, s.cause.eventId, s.symbol])).toEqual([
      ['RecordAccepted', 'e1', BTC.symbol],
      ['RecordFill', 'e3', BTC.symbol],
    ]);
  });
});
