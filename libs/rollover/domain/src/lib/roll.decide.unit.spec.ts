/**
 * The roll decider, given / when / then, one describe per state. The `spec.given(…)` cases
 * state the history as the events the commands decide and go through `rollDecider`, the
 * shared shape; the others follow a run of several commands.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { DeciderSpecification } from '@keel/testing';
import { decide, RollCommand, rollDecider } from './roll.decide';
import { initialState, RollEvent } from './roll.state';
import { ACCOUNT, ct, gcConfig, run, targetsOf, types } from '../testing/roll.fixtures';

const d = decide(gcConfig);
const spec = DeciderSpecification.for(rollDecider, gcConfig);

/** The events `commands` decide from a new stream. */
const history = (commands: readonly RollCommand[]): readonly RollEvent[] =>
  run(gcConfig, initialState, commands).all;
const HOLDING_GCZ5: readonly RollCommand[] = [
  { type: 'SetExposure', now: ct('2025-11-03'), qty: 3 },
  { type: 'ObservePositions', now: ct('2025-11-03', '10:05'), positions: { GCZ5: 3 } },
];
const LINK = 'roll:acc-1:GCZ5>GCG6';

describe('roll decider', () => {
  describe('Unmapped', () => {
    it('given a new stream, when time passes, then it maps the front and targets nothing yet', () => {
      spec
        .given([])
        .when({ type: 'Tick', now: ct('2025-10-01') })
        .then([
          {
            type: 'ContractMapped',
            occurredAt: ct('2025-10-01'),
            root: 'GC',
            instrument: 'CME:GC',
            contract: 'GCZ5',
            effectiveAt: ct('2025-10-01'),
          },
        ]);
    });

    it('maps the first contract whose forced roll is still ahead, then targets the exposure there', () => {
      const { state, all } = run(gcConfig, initialState, [
        { type: 'Tick', now: ct('2025-10-01') },
        { type: 'SetExposure', now: ct('2025-10-01', '10:01'), qty: 3 },
      ]);
      // GCV5's forced roll (09-26) has passed: the front is GCZ5.
      expect(all[0]).toEqual({
        type: 'ContractMapped',
        occurredAt: ct('2025-10-01'),
        root: 'GC',
        instrument: 'CME:GC',
        contract: 'GCZ5',
        effectiveAt: ct('2025-10-01'),
      });
      expect(targetsOf(all)).toEqual({ GCZ5: 3 });
      expect(state.status).toBe('Holding');
    });

    it('refuses time going backwards and fractional quantities, naming the field', () => {
      const { state } = run(gcConfig, initialState, [{ type: 'Tick', now: ct('2025-10-01') }]);
      expect(d({ type: 'Tick', now: ct('2025-09-30') }, state)).toMatchObject(
        E.left({ _tag: 'ValidationError', path: 'now' }),
      );
      expect(d({ type: 'SetExposure', now: ct('2025-10-02'), qty: 1.5 }, state)).toMatchObject(
        E.left({ _tag: 'ValidationError', path: 'qty' }),
      );
      expect(
        d({ type: 'ObservePositions', now: ct('2025-10-02'), positions: { GCZ5: 0.5 } }, state),
      ).toMatchObject(E.left({ _tag: 'ValidationError', path: 'positions/GCZ5' }));
      const mapped = history([{ type: 'Tick', now: ct('2025-10-01') }]);
      spec
        .given(mapped)
        .when({ type: 'Tick', now: ct('2025-09-30') })
        .thenFails(expect.objectContaining({ _tag: 'ValidationError', path: 'now' }));
      spec
        .given(mapped)
        .when({ type: 'SetExposure', now: ct('2025-10-02'), qty: 1.5 })
        .thenFails(expect.objectContaining({ _tag: 'ValidationError', path: 'qty' }));
      spec
        .given(mapped)
        .when({ type: 'ObservePositions', now: ct('2025-10-02'), positions: { GCZ5: 0.5 } })
        .thenFails(expect.objectContaining({ _tag: 'ValidationError', path: 'positions/GCZ5' }));
    });
  });

  describe('Holding', () => {
    const holding = run(gcConfig, initialState, [
      { type: 'SetExposure', now: ct('2025-11-03'), qty: 3 },
      { type: 'ObservePositions', now: ct('2025-11-03', '10:05'), positions: { GCZ5: 3 } },
    ]).state;

    it('schedules the roll on the roll start date and sends new exposure to the next contract', () => {
      const { events } = run(gcConfig, holding, [
        { type: 'SetExposure', now: ct('2025-11-20', '09:00'), qty: 5 },
      ]);
      expect(types(events)).toEqual(['ExposureSet', 'RollScheduled', 'ContractTargetSet']);
      expect(events[1]).toMatchObject({
        fromContract: 'GCZ5',
        toContract: 'GCG6',
        rollStart: ct('2025-11-20', '00:00'),
        forcedRollBy: ct('2025-11-25', '00:00'),
      });
      expect(targetsOf(events)).toEqual({ GCG6: 2 });
    });

    it('does nothing before the roll start', () => {
      expect(d({ type: 'Tick', now: ct('2025-11-19', '23:59') }, holding)).toEqual(E.right([]));
      spec
        .given(history(HOLDING_GCZ5))
        .when({ type: 'Tick', now: ct('2025-11-19', '23:59') })
        .thenNothing();
    });

    it('given GCZ5 held, when exposure rises on the roll start date, then the roll is scheduled and only the rise goes to GCG6', () => {
      const at = ct('2025-11-20', '09:00');
      spec
        .given(history(HOLDING_GCZ5))
        .when({ type: 'SetExposure', now: at, qty: 5 })
        .then([
          { type: 'ExposureSet', occurredAt: at, qty: 5 },
          {
            type: 'RollScheduled',
            occurredAt: at,
            root: 'GC',
            fromContract: 'GCZ5',
            toContract: 'GCG6',
            rollStart: ct('2025-11-20', '00:00'),
            forcedRollBy: ct('2025-11-25', '00:00'),
          },
          {
            type: 'ContractTargetSet',
            occurredAt: at,
            accountId: ACCOUNT,
            instrument: 'GCG6',
            root: 'GC',
            targetQty: new Decimal(2),
            horizonSec: 900,
            reason: 'roll rollNew: CME:GC GCZ5>GCG6',
            linkId: null,
          },
        ]);
    });

    it('reports a position in a contract the calendar does not know, once, and never rolls it', () => {
      const { events, state } = run(gcConfig, holding, [
        { type: 'ObservePositions', now: ct('2025-11-04'), positions: { GCZ5: 3, GCJ6X: 1 } },
      ]);
      expect(types(events)).toEqual(['PositionsObserved', 'UnknownContractSeen']);
      expect(events[1]).toMatchObject({ contract: 'GCJ6X', position: 1 });
      const again = run(gcConfig, state, [
        { type: 'Tick', now: ct('2025-11-05') },
        { type: 'Tick', now: ct('2025-11-26') },
      ]);
      expect(again.all.filter((e) => e.type === 'UnknownContractSeen')).toEqual([]);
      expect(again.all.some((e) => e.type === 'ContractTargetSet' && e.instrument === 'GCJ6X')).toBe(false);
    });
  });

  describe('Rolling', () => {
    it('given a roll under way, when the forced roll date comes, then the rest migrates as two linked targets', () => {
      const at = ct('2025-11-25', '00:01');
      spec
        .given(history([...HOLDING_GCZ5, { type: 'Tick', now: ct('2025-11-21') }]))
        .when({ type: 'Tick', now: at })
        .then([
          {
            type: 'MigrationStarted',
            occurredAt: at,
            accountId: ACCOUNT,
            root: 'GC',
            fromContract: 'GCZ5',
            toContract: 'GCG6',
            qty: 3,
            linkId: LINK,
          },
          {
            type: 'ContractTargetSet',
            occurredAt: at,
            accountId: ACCOUNT,
            instrument: 'GCZ5',
            root: 'GC',
            targetQty: new Decimal(0),
            horizonSec: 900,
            reason: `roll migration: CME:GC GCZ5>GCG6, link ${LINK}`,
            linkId: LINK,
          },
          {
            type: 'ContractTargetSet',
            occurredAt: at,
            accountId: ACCOUNT,
            instrument: 'GCG6',
            root: 'GC',
            targetQty: new Decimal(3),
            horizonSec: 900,
            reason: `roll migration: CME:GC GCZ5>GCG6, link ${LINK}`,
            linkId: LINK,
          },
        ]);
    });

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
      expect(types(events)).toEqual(['MigrationStarted', 'ContractTargetSet', 'ContractTargetSet']);
      const [, old, next] = events;
      expect(old).toMatchObject({
        instrument: 'GCZ5',
        targetQty: new Decimal(0),
        reason: expect.stringMatching(/^roll migration: /),
        linkId: 'roll:acc-1:GCZ5>GCG6',
      });
      expect(next).toMatchObject({
        instrument: 'GCG6',
        targetQty: new Decimal(3),
        reason: expect.stringMatching(/^roll migration: /),
        linkId: 'roll:acc-1:GCZ5>GCG6',
      });
    });
  });

  describe('Migrating', () => {
    const migratingHistory = history([...HOLDING_GCZ5, { type: 'Tick', now: ct('2025-11-25') }]);

    it('given a migration, when the old contract is observed flat, then the roll completes and the next is mapped', () => {
      const at = ct('2025-11-25', '10:20');
      spec
        .given(migratingHistory)
        .when({ type: 'ObservePositions', now: at, positions: { GCG6: 3 } })
        .then([
          { type: 'PositionsObserved', occurredAt: at, positions: { GCG6: 3 } },
          {
            type: 'RollCompleted',
            occurredAt: at,
            accountId: ACCOUNT,
            root: 'GC',
            fromContract: 'GCZ5',
            toContract: 'GCG6',
          },
          {
            type: 'ContractMapped',
            occurredAt: at,
            root: 'GC',
            instrument: 'CME:GC',
            contract: 'GCG6',
            effectiveAt: at,
          },
        ]);
    });

    it('given a delivery risk already alerted, when time passes, then it is not alerted again', () => {
      const alerted = history([
        ...HOLDING_GCZ5,
        { type: 'Tick', now: ct('2025-11-25') },
        { type: 'Tick', now: ct('2025-11-26', '08:00') },
      ]);
      expect(types(alerted).slice(-1)).toEqual(['DeliveryRiskAlert']);
      spec
        .given(alerted)
        .when({ type: 'Tick', now: ct('2025-11-26', '09:00') })
        .thenNothing();
    });

    const migrating = run(gcConfig, initialState, [
      { type: 'SetExposure', now: ct('2025-11-03'), qty: 3 },
      { type: 'ObservePositions', now: ct('2025-11-03', '10:05'), positions: { GCZ5: 3 } },
      { type: 'Tick', now: ct('2025-11-25') },
    ]).state;

    it('completes the roll once the old contract is flat, and maps the next', () => {
      expect(migrating.status).toBe('Migrating');
      const partial = run(gcConfig, migrating, [
        { type: 'ObservePositions', now: ct('2025-11-25', '10:10'), positions: { GCZ5: 1, GCG6: 2 } },
      ]);
      expect(types(partial.events)).toEqual(['PositionsObserved']);
      const done = run(gcConfig, partial.state, [
        { type: 'ObservePositions', now: ct('2025-11-25', '10:20'), positions: { GCG6: 3 } },
      ]);
      expect(types(done.events)).toEqual(['PositionsObserved', 'RollCompleted', 'ContractMapped']);
      expect(done.events[1]).toMatchObject({ fromContract: 'GCZ5', toContract: 'GCG6' });
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
          occurredAt: ct('2025-11-26', '08:00'),
          accountId: ACCOUNT,
          root: 'GC',
          contract: 'GCZ5',
          qty: new Decimal(3),
          firstNoticeDate: '2025-11-28',
          reason:
            '3 GCZ5 still open on 2025-11-26, first notice 2025-11-28: the forced roll has not been filled',
        },
      ]);
    });
  });

  describe('what the command brings to its targets', () => {
    it("sets the targets' horizon and appends how the exposure came about to their reason", () => {
      const { events } = run(gcConfig, initialState, [
        {
          type: 'SetExposure',
          now: ct('2025-10-01'),
          qty: 2,
          horizonSec: 120,
          basis: 'exposure 2 x 1 (open)',
        },
      ]);
      expect(events.filter((e) => e.type === 'ContractTargetSet')).toEqual([
        expect.objectContaining({
          instrument: 'GCZ5',
          targetQty: new Decimal(2),
          horizonSec: 120,
          reason: 'roll exposure: CME:GC GCZ5, exposure 2 x 1 (open)',
        }),
      ]);
    });

    it('refuses a horizon that is not a whole number of seconds', () => {
      expect(d({ type: 'Tick', now: ct('2025-10-01'), horizonSec: 0 }, initialState)).toEqual(
        E.left(expect.objectContaining({ _tag: 'ValidationError' })),
      );
    });
  });
});
