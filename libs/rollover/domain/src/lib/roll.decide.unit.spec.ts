import * as E from 'fp-ts/Either';
import { decide } from './roll.decide';
import { initialState } from './roll.state';
import { ACCOUNT, ct, gcConfig, run, targetsOf, types } from '../testing/roll.fixtures';

const d = decide(gcConfig);

describe('roll decider', () => {
  describe('Unmapped', () => {
    it('maps the first contract whose forced roll is still ahead, then targets the exposure there', () => {
      const { state, all } = run(gcConfig, initialState, [
        { type: 'Tick', now: ct('2025-10-01') },
        { type: 'SetExposure', now: ct('2025-10-01', '10:01'), qty: 3 },
      ]);
      // GCV5's forced roll (09-26) has passed: the front is GCZ5.
      expect(all[0]).toEqual({ type: 'ContractMapped', data: { accountId: ACCOUNT, root: 'GC', symbol: 'GC.c.0', contract: 'GCZ5', effectiveFrom: ct('2025-10-01') } });
      expect(targetsOf(all)).toEqual({ GCZ5: 3 });
      expect(state.status).toBe('Holding');
    });

    it('refuses time going backwards and fractional quantities, naming the field', () => {
      const { state } = run(gcConfig, initialState, [{ type: 'Tick', now: ct('2025-10-01') }]);
      expect(d({ type: 'Tick', now: ct('2025-09-30') }, state)).toMatchObject(E.left({ _tag: 'ValidationError', path: 'now' }));
      expect(d({ type: 'SetExposure', now: ct('2025-10-02'), qty: 1.5 }, state)).toMatchObject(E.left({ _tag: 'ValidationError', path: 'qty' }));
      expect(d({ type: 'ObservePositions', now: ct('2025-10-02'), positions: { GCZ5: 0.5 } }, state)).toMatchObject(E.left({ _tag: 'ValidationError', path: 'positions/GCZ5' }));
    });
  });

  describe('Holding', () => {
    const holding = run(gcConfig, initialState, [
      { type: 'SetExposure', now: ct('2025-11-03'), qty: 3 },
      { type: 'ObservePositions', now: ct('2025-11-03', '10:05'), positions: { GCZ5: 3 } },
    ]).state;

    it('schedules the roll on the roll start date and sends new exposure to the next contract', () => {
      const { events } = run(gcConfig, holding, [{ type: 'SetExposure', now: ct('2025-11-20', '09:00'), qty: 5 }]);
      expect(types(events)).toEqual(['ExposureSet', 'RollScheduled', 'RollTargetSet']);
      expect(events[1]).toMatchObject({ data: { fromContract: 'GCZ5', toContract: 'GCG6', rollStartDate: '2025-11-20', forcedRollDate: '2025-11-25' } });
      expect(targetsOf(events)).toEqual({ GCG6: 2 });
    });

    it('does nothing before the roll start', () => {
      expect(d({ type: 'Tick', now: ct('2025-11-19', '23:59') }, holding)).toEqual(E.right([]));
    });

    it('reports a position in a contract the calendar does not know, once, and never rolls it', () => {
      const { events, state } = run(gcConfig, holding, [{ type: 'ObservePositions', now: ct('2025-11-04'), positions: { GCZ5: 3, GCJ6X: 1 } }]);
      expect(types(events)).toEqual(['PositionsObserved', 'UnknownContractReported']);
      expect(events[1]).toMatchObject({ data: { contract: 'GCJ6X', position: 1 } });
      const again = run(gcConfig, state, [
        { type: 'Tick', now: ct('2025-11-05') },
        { type: 'Tick', now: ct('2025-11-26') },
      ]);
      expect(again.all.filter((e) => e.type === 'UnknownContractReported')).toEqual([]);
      expect(again.all.some((e) => e.type === 'RollTargetSet' && e.data.contract === 'GCJ6X')).toBe(false);
    });
  });

  describe('Rolling', () => {
    const rolling = run(gcConfig, initialState, [
      { type: 'SetExposure', now: ct('2025-11-03'), qty: 3 },
      { type: 'ObservePositions', now: ct('2025-11-03', '10:05'), positions: { GCZ5: 3 } },
      { type: 'Tick', now: ct('2025-11-21') },
    ]).state;

    it('shrinks the expiring contract first when exposure falls, and never grows it', () => {
      expect(rolling.status).toBe('Rolling');
      const down = run(gcConfig, rolling, [{ type: 'SetExposure', now: ct('2025-11-21', '11:00'), qty: 1 }]);
      expect(targetsOf(down.events)).toEqual({ GCZ5: 1 });
      const flip = run(gcConfig, rolling, [{ type: 'SetExposure', now: ct('2025-11-21', '11:00'), qty: -2 }]);
      expect(targetsOf(flip.events)).toEqual({ GCZ5: 0, GCG6: -2 });
    });

    it('migrates the rest on the forced roll date as two linked targets', () => {
      const { events } = run(gcConfig, rolling, [{ type: 'Tick', now: ct('2025-11-25', '00:01') }]);
      expect(types(events)).toEqual(['RollMigrationStarted', 'RollTargetSet', 'RollTargetSet']);
      const [, old, next] = events;
      expect(old).toMatchObject({ data: { contract: 'GCZ5', targetQty: 0, reason: 'migration', linkId: 'roll:acc-1:GCZ5>GCG6' } });
      expect(next).toMatchObject({ data: { contract: 'GCG6', targetQty: 3, reason: 'migration', linkId: 'roll:acc-1:GCZ5>GCG6' } });
    });
  });

  describe('Migrating', () => {
    const migrating = run(gcConfig, initialState, [
      { type: 'SetExposure', now: ct('2025-11-03'), qty: 3 },
      { type: 'ObservePositions', now: ct('2025-11-03', '10:05'), positions: { GCZ5: 3 } },
      { type: 'Tick', now: ct('2025-11-25') },
    ]).state;

    it('completes the roll once the old contract is flat, and maps the next', () => {
      expect(migrating.status).toBe('Migrating');
      const partial = run(gcConfig, migrating, [{ type: 'ObservePositions', now: ct('2025-11-25', '10:10'), positions: { GCZ5: 1, GCG6: 2 } }]);
      expect(types(partial.events)).toEqual(['PositionsObserved']);
      const done = run(gcConfig, partial.state, [{ type: 'ObservePositions', now: ct('2025-11-25', '10:20'), positions: { GCG6: 3 } }]);
      expect(types(done.events)).toEqual(['PositionsObserved', 'RollCompleted', 'ContractMapped']);
      expect(done.events[1]).toMatchObject({ data: { fromContract: 'GCZ5', toContract: 'GCG6' } });
      expect(done.state).toMatchObject({ status: 'Holding', front: 'GCG6' });
    });

    it('raises a delivery risk alert, once, when the old position is still open close to first notice', () => {
      const { all } = run(gcConfig, migrating, [
        { type: 'Tick', now: ct('2025-11-26', '08:00') },
        { type: 'Tick', now: ct('2025-11-26', '09:00') },
      ]);
      expect(all).toEqual([
        {
          type: 'DeliveryRiskAlert',
          data: { accountId: ACCOUNT, root: 'GC', contract: 'GCZ5', position: 3, firstNoticeDate: '2025-11-28', lastTradeDate: '2025-12-29', date: '2025-11-26', at: ct('2025-11-26', '08:00') },
        },
      ]);
    });
  });
});
