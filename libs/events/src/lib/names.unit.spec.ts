import * as E from 'fp-ts/Either';
import {
  ALL_EVENTS_SUBJECT,
  appSnapshotKey,
  contextSubject,
  deadLetterSubject,
  durableName,
  eventSubject,
  EVENTS_STREAM,
  kebab,
  streamCategory,
  streamName,
} from './names';
import { EVENT_DEFINITIONS, EVENT_TYPES } from './catalog';

describe('names: the exact strings are a public contract', () => {
  it('builds event subjects as keel.evt.<context>.<event-name>', () => {
    expect(eventSubject('venue', 'OrderFilled')).toBe('keel.evt.venue.order-filled');
    expect(eventSubject('portfolio', 'TargetPositionSet')).toBe('keel.evt.portfolio.target-position-set');
    expect(eventSubject('balances', 'AccountEquityUpdated')).toBe('keel.evt.balances.account-equity-updated');
    expect(ALL_EVENTS_SUBJECT).toBe('keel.evt.>');
    expect(contextSubject('execution')).toBe('keel.evt.execution.>');
  });

  it('pins the subject of every catalogued event type', () => {
    const subjects = Object.fromEntries(
      EVENT_TYPES.map((t) => [t, eventSubject(EVENT_DEFINITIONS[t].context, t)]),
    );
    expect(subjects).toEqual({
      PredictionReceived: 'keel.evt.prediction.prediction-received',
      TargetPositionSet: 'keel.evt.portfolio.target-position-set',
      ChildOrderRequested: 'keel.evt.execution.child-order-requested',
      ParentOrderStarted: 'keel.evt.execution.parent-order-started',
      ChildOrderAccepted: 'keel.evt.execution.child-order-accepted',
      ChildOrderRejected: 'keel.evt.execution.child-order-rejected',
      ChildOrderFilled: 'keel.evt.execution.child-order-filled',
      ChildOrderCancelled: 'keel.evt.execution.child-order-cancelled',
      ParentOrderPaused: 'keel.evt.execution.parent-order-paused',
      ParentOrderResumed: 'keel.evt.execution.parent-order-resumed',
      ParentOrderProgressReported: 'keel.evt.execution.parent-order-progress-reported',
      ParentOrderSuperseded: 'keel.evt.execution.parent-order-superseded',
      ParentOrderCompleted: 'keel.evt.execution.parent-order-completed',
      ParentOrderRejected: 'keel.evt.execution.parent-order-rejected',
      OrderAccepted: 'keel.evt.venue.order-accepted',
      OrderRejected: 'keel.evt.venue.order-rejected',
      OrderFilled: 'keel.evt.venue.order-filled',
      OrderCancelled: 'keel.evt.venue.order-cancelled',
      ChildOrderCancelRequested: 'keel.evt.execution.child-order-cancel-requested',
      QuoteUpdated: 'keel.evt.market.quote-updated',
      TradePrinted: 'keel.evt.market.trade-printed',
      PositionReported: 'keel.evt.venue.position-reported',
      BalanceReported: 'keel.evt.venue.balance-reported',
      AccountHalted: 'keel.evt.venue.account-halted',
      AccountSnapshotReported: 'keel.evt.venue.account-snapshot-reported',
      AccountSnapshotRejected: 'keel.evt.venue.account-snapshot-rejected',
      InstrumentsListed: 'keel.evt.venue.instruments-listed',
      AccountEquityUpdated: 'keel.evt.balances.account-equity-updated',
      PortfolioValued: 'keel.evt.balances.portfolio-valued',
      PositionDriftDetected: 'keel.evt.balances.position-drift-detected',
      PnlUpdated: 'keel.evt.pnl.pnl-updated',
      FundingPaid: 'keel.evt.venue.funding-paid',
      ContractTargetSet: 'keel.evt.portfolio.contract-target-set',
      ContractMapped: 'keel.evt.calendar.contract-mapped',
      RollScheduled: 'keel.evt.calendar.roll-scheduled',
      RollCompleted: 'keel.evt.calendar.roll-completed',
      DeliveryRiskAlert: 'keel.evt.calendar.delivery-risk-alert',
      KillSwitchEngaged: 'keel.evt.control.kill-switch-engaged',
      KillSwitchReleased: 'keel.evt.control.kill-switch-released',
      TradingSessionStopped: 'keel.evt.control.trading-session-stopped',
      TradingSessionStarted: 'keel.evt.control.trading-session-started',
      TargetWithheld: 'keel.evt.portfolio.target-withheld',
      TargetLimited: 'keel.evt.portfolio.target-limited',
      RiskStateChanged: 'keel.evt.portfolio.risk-state-changed',
      OptimizerConfigApplied: 'keel.evt.portfolio.optimizer-config-applied',
    });
  });

  it('kebab-cases acronyms sensibly', () => {
    expect(kebab('PnlUpdated')).toBe('pnl-updated');
    expect(kebab('TWAPStarted')).toBe('twap-started');
  });

  it('builds stream names as <context>-<entity id> and reads the category back', () => {
    expect(streamName('venue', 'binance-main:BTCUSDT')).toEqual(E.right('venue-binance-main:BTCUSDT'));
    expect(streamCategory('venue-binance-main:BTCUSDT')).toBe('venue');
    expect(streamCategory('nodash')).toBe('nodash');
  });

  it('rejects an entity id that would need escaping, naming the value', () => {
    expect(streamName('venue', 'has space')).toEqual(
      E.left({
        _tag: 'ValidationError',
        path: '/entityId',
        value: 'has space',
        message: 'must match ^[A-Za-z0-9_.:@-]{1,200}$',
      }),
    );
  });

  it('names dead letters, durables, the JetStream stream and snapshot keys', () => {
    expect(deadLetterSubject('optimizer')).toBe('keel.dlq.optimizer');
    expect(durableName('balance-aggregator')).toBe('keel-balance-aggregator');
    expect(EVENTS_STREAM).toBe('KEEL_EVENTS');
    expect(appSnapshotKey('execution')).toBe('app:execution');
    expect(() => durableName('Bad.Name')).toThrow('app name "Bad.Name" must match ^[a-z0-9-]{1,64}$');
  });
});
