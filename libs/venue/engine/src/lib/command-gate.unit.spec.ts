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
const child = (pos: number, accountId = 'acc1', validUntil: string | null = null) =>
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
    validUntil,
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

const NOW = Date.parse('2024-01-01T00:00:00.000Z');
const ready = (): GateState => markReconciled(initialGate(['acc1'], 100), 'acc1');

describe('command gate', () => {
  describe('Reconciling', () => {
    it('defers every command of the account until it is reconciled', () => {
      const s = initialGate(['acc1'], 100);
      expect(route(s, child(101), NOW)).toEqual({ type: 'defer', accountId: 'acc1' });
      expect(route(s, cancel(102), NOW)).toEqual({ type: 'defer', accountId: 'acc1' });
    });
  });

  describe('Ready', () => {
    it('places new commands fresh, and commands from before the start in doubt', () => {
      expect(route(ready(), child(101), NOW)).toMatchObject({ type: 'place', inDoubt: false, blocked: null });
      expect(route(ready(), child(100), NOW)).toMatchObject({ type: 'place', inDoubt: true, blocked: null });
    });

    it('blocks a request seen after its validUntil as Expired (in doubt or not), and never one before it', () => {
      const until = '2024-01-01T00:01:00.000Z';
      const later = Date.parse(until) + 1;
      expect(route(ready(), child(101, 'acc1', until), NOW)).toMatchObject({ blocked: null });
      expect(route(ready(), child(101, 'acc1', until), Date.parse(until))).toMatchObject({ blocked: null });
      expect(route(ready(), child(101, 'acc1', until), later)).toMatchObject({
        type: 'place',
        inDoubt: false,
        blocked: { code: 'Expired', reason: expect.stringMatching(/valid until 2024-01-01T00:01:00.000Z/) },
      });
      expect(route(ready(), child(100, 'acc1', until), later)).toMatchObject({
        inDoubt: true,
        blocked: { code: 'Expired' },
      });
      // A request recorded before requests had an expiry never expires.
      expect(route(ready(), child(101), later + 86_400_000)).toMatchObject({ blocked: null });
    });

    it('ignores accounts it does not own and events that are not commands', () => {
      expect(route(ready(), child(101, 'acc2'), NOW)).toEqual({ type: 'ignore' });
      expect(route(ready(), kill(101, 'global'), NOW)).toEqual({ type: 'ignore' });
    });

    it('a kill switch blocks new orders (global or the account), not cancels; a release lifts it', () => {
      const g = evolveGate(ready(), kill(101, 'global'));
      expect(route(g, child(102), NOW)).toMatchObject({
        type: 'place',
        blocked: { code: 'KillSwitchEngaged' },
      });
      expect(route(g, cancel(103), NOW).type).toBe('cancel');
      expect(route(evolveGate(g, release(104, 'global')), child(105), NOW)).toMatchObject({ blocked: null });
      const a = evolveGate(ready(), kill(101, 'account', 'acc1'));
      expect(route(a, child(102), NOW)).toMatchObject({
        blocked: { code: 'KillSwitchEngaged', reason: 'account kill switch: drill' },
      });
      expect(route(evolveGate(a, release(103, 'account', 'acc1')), child(104), NOW)).toMatchObject({
        blocked: null,
      });
      expect(route(evolveGate(ready(), kill(101, 'account', 'acc9')), child(102), NOW)).toMatchObject({
        blocked: null,
      });
    });
  });

  describe('Halted', () => {
    it('blocks new orders with the reason', () => {
      expect(route(halt(ready(), 'acc1', 'API key refused'), child(101), NOW)).toMatchObject({
        blocked: { code: 'AccountHalted', reason: 'API key refused' },
      });
    });
  });
});
