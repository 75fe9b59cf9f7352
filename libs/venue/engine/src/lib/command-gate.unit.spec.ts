import * as E from 'fp-ts/Either';
import { deriveId, EventData, EventType, newEvent, RecordedEvent } from '@keel/events';
import { evolveGate, GateState, halt, initialGate, markReconciled, route } from './command-gate';

const meta = {
  correlationId: 'c',
  causationId: null,
  producer: 'execution',
  occurredAt: '2024-01-01T00:00:00.000Z',
};
const at = <T extends EventType>(globalPosition: number, type: T, data: EventData<T>): RecordedEvent => {
  const e = newEvent(type, deriveId(type, globalPosition), data, meta);
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return {
    ...e.right,
    stream: 's',
    streamRevision: 0,
    globalPosition,
    recordedAt: meta.occurredAt,
  } as RecordedEvent;
};
const child = (pos: number, accountId = 'acc1') =>
  at(pos, 'ChildOrderRequested', {
    accountId,
    instrument: 'BTC/USDT:USDT',
    parentOrderId: 'p',
    clientOrderId: `k${pos}`,
    side: 'buy',
    qty: '1',
    orderType: 'market',
    limitPrice: null,
    postOnly: false,
    reduceOnly: false,
    seq: 0,
    kind: 'taker',
    reason: 'slice',
  });
const cancel = (pos: number) =>
  at(pos, 'ChildOrderCancelRequested', {
    accountId: 'acc1',
    instrument: 'BTC/USDT:USDT',
    clientOrderId: 'k1',
    reason: 'done',
    parentOrderId: 'p',
  });
const kill = (pos: number, scope: 'global' | 'account', accountId: string | null = null) =>
  at(pos, 'KillSwitchEngaged', { scope, accountId, reason: 'drill' });
const release = (pos: number, scope: 'global' | 'account', accountId: string | null = null) =>
  at(pos, 'KillSwitchReleased', { scope, accountId, reason: 'ok' });

const ready = (): GateState => markReconciled(initialGate(['acc1'], 100), 'acc1');

describe('command gate', () => {
  describe('Reconciling', () => {
    it('defers every command of the account until it is reconciled', () => {
      const s = initialGate(['acc1'], 100);
      expect(route(s, child(101))).toEqual({ type: 'defer', accountId: 'acc1' });
      expect(route(s, cancel(102))).toEqual({ type: 'defer', accountId: 'acc1' });
    });
  });

  describe('Ready', () => {
    it('places new commands fresh, and commands from before the start in doubt', () => {
      expect(route(ready(), child(101))).toMatchObject({ type: 'place', inDoubt: false, blocked: null });
      expect(route(ready(), child(100))).toMatchObject({ type: 'place', inDoubt: true, blocked: null });
    });

    it('ignores accounts it does not own and events that are not commands', () => {
      expect(route(ready(), child(101, 'acc2'))).toEqual({ type: 'ignore' });
      expect(route(ready(), kill(101, 'global'))).toEqual({ type: 'ignore' });
    });

    it('a kill switch blocks new orders (global or the account), not cancels; a release lifts it', () => {
      const g = evolveGate(ready(), kill(101, 'global'));
      expect(route(g, child(102))).toMatchObject({ type: 'place', blocked: { code: 'KillSwitchEngaged' } });
      expect(route(g, cancel(103)).type).toBe('cancel');
      expect(route(evolveGate(g, release(104, 'global')), child(105))).toMatchObject({ blocked: null });
      const a = evolveGate(ready(), kill(101, 'account', 'acc1'));
      expect(route(a, child(102))).toMatchObject({
        blocked: { code: 'KillSwitchEngaged', reason: 'account kill switch: drill' },
      });
      expect(route(evolveGate(a, release(103, 'account', 'acc1')), child(104))).toMatchObject({
        blocked: null,
      });
      expect(route(evolveGate(ready(), kill(101, 'account', 'acc9')), child(102))).toMatchObject({
        blocked: null,
      });
    });
  });

  describe('Halted', () => {
    it('blocks new orders with the reason', () => {
      expect(route(halt(ready(), 'acc1', 'API key refused'), child(101))).toMatchObject({
        blocked: { code: 'AccountHalted', reason: 'API key refused' },
      });
    });
  });
});
