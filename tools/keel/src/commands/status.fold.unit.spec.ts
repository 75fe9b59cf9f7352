/**
 * The status fold's rules, on recorded events: the latest session event covering an account
 * decides (a global one clears each account's own), a kill switch is engaged until released
 * (one stored before operators were recorded says so), the stricter of the account's and the
 * global risk state applies, and a completed parent order is no longer working.
 */
import { EventData, EventType, RecordedEvent } from '@keel/events';
import { evolveStatus, initialStatusFold, statusView } from './status.fold';

let position = 0;
const rec = <T extends EventType>(type: T, data: Partial<EventData<T>>): RecordedEvent =>
  ({
    type,
    data,
    eventId: `00000000-0000-8000-8000-${String(++position).padStart(12, '0')}`,
    schemaVersion: 1,
    correlationId: 'c',
    causationId: null,
    producer: 'spec',
    occurredAt: new Date(Date.UTC(2026, 2, 2, 10, 0, position)).toISOString(),
    stream: 's',
    streamRevision: 0,
    globalPosition: position,
    recordedAt: new Date(Date.UTC(2026, 2, 2, 10, 0, position)).toISOString(),
  }) as unknown as RecordedEvent;

const view = (events: readonly RecordedEvent[]) => statusView(events.reduce(evolveStatus, initialStatusFold));
const session = (type: 'TradingSessionStopped' | 'TradingSessionStarted', accountId: string | null) =>
  rec(type, { scope: accountId === null ? 'global' : 'account', accountId, operator: 'ops', reason: 'r' });
const equity = (accountId: string) =>
  rec('AccountEquityUpdated', { accountId, currency: 'USDT', equity: '1', asOf: '2026-03-02T10:00:00.000Z' });
const trading = (events: readonly RecordedEvent[]) =>
  Object.fromEntries(view(events).accounts.map((a) => [a.accountId, a.effective.trading]));

describe('trading sessions', () => {
  it('none recorded: every account trades', () => {
    expect(trading([equity('a'), equity('b')])).toEqual({ a: true, b: true });
  });

  it('a global start overrides an account stop recorded before it', () => {
    expect(
      trading([
        equity('a'),
        equity('b'),
        session('TradingSessionStopped', 'a'),
        session('TradingSessionStarted', null),
      ]),
    ).toEqual({ a: true, b: true });
  });

  it('an account start after a global stop trades that account only', () => {
    expect(
      trading([
        equity('a'),
        equity('b'),
        session('TradingSessionStopped', null),
        session('TradingSessionStarted', 'a'),
      ]),
    ).toEqual({ a: true, b: false });
  });
});

describe('kill switches', () => {
  it('engaged until released; one stored without an operator says so', () => {
    const engaged = [
      equity('a'),
      rec('KillSwitchEngaged', { scope: 'account', accountId: 'a', reason: 'old' }),
    ];
    expect(view(engaged).accounts[0]).toMatchObject({
      killSwitch: { on: true, operator: null, reason: 'old' },
      effective: { killed: true },
    });
    const released = [
      ...engaged,
      rec('KillSwitchReleased', { scope: 'account', accountId: 'a', reason: 'ok', operator: 'bob' }),
    ];
    expect(view(released).accounts[0]).toMatchObject({
      killSwitch: { on: false, operator: 'bob' },
      effective: { killed: false },
    });
  });

  it('a global one kills every account', () => {
    const v = view([
      equity('a'),
      rec('KillSwitchEngaged', { scope: 'global', accountId: null, reason: 'r' }),
    ]);
    expect(v.accounts[0]?.effective.killed).toBe(true);
    expect(v.global.killSwitch?.on).toBe(true);
  });
});

describe('risk state', () => {
  it('the stricter of the account own and the global one applies', () => {
    const risk = (accountId: string | null, to: 'ACTIVE' | 'REDUCING' | 'HALTED') =>
      rec('RiskStateChanged', {
        scope: accountId === null ? 'global' : 'account',
        accountId,
        from: 'ACTIVE',
        to,
        cause: 'maxDrawdown',
        detail: 'd',
      });
    const v = view([
      equity('a'),
      equity('b'),
      risk('a', 'REDUCING'),
      risk(null, 'HALTED'),
      risk(null, 'ACTIVE'),
    ]);
    expect(v.accounts.map((a) => a.effective.riskState)).toEqual(['REDUCING', 'ACTIVE']);
    const halted = view([equity('a'), risk('a', 'REDUCING'), risk(null, 'HALTED')]);
    expect(halted.accounts[0]?.effective.riskState).toBe('HALTED');
  });
});

describe('working parent orders', () => {
  const started = (parentOrderId: string, instrument: string) =>
    rec('ParentOrderStarted', {
      accountId: 'a',
      instrument,
      parentOrderId,
      side: 'buy',
      qty: '1',
      fromPosition: '0',
      targetPosition: '1',
      deadline: '2026-03-02T11:00:00.000Z',
    });

  it('started and not completed, with progress and the pauses of its (account, instrument)', () => {
    const v = view([
      started('p1', 'X'),
      started('p2', 'Y'),
      rec('ParentOrderProgressReported', {
        accountId: 'a',
        instrument: 'X',
        parentOrderId: 'p1',
        slice: 0,
        filled: '0.1',
        scheduled: '0.2',
      }),
      rec('ParentOrderPaused', {
        accountId: 'a',
        instrument: 'X',
        parentOrderId: 'p1',
        reason: 'killSwitch',
      }),
      rec('ParentOrderPaused', {
        accountId: 'a',
        instrument: 'X',
        parentOrderId: 'p1',
        reason: 'sessionStopped',
      }),
      rec('ParentOrderResumed', {
        accountId: 'a',
        instrument: 'X',
        parentOrderId: 'p1',
        reason: 'killSwitch',
      }),
      rec('ParentOrderCompleted', { accountId: 'a', instrument: 'Y', parentOrderId: 'p2', reason: 'filled' }),
    ]);
    expect(v.workingParentOrders).toEqual([
      expect.objectContaining({
        parentOrderId: 'p1',
        progress: { slice: 0, filled: '0.1', scheduled: '0.2' },
        paused: ['sessionStopped'],
      }),
    ]);
    expect(v.accounts.map((a) => a.accountId)).toEqual(['a']);
  });
});
