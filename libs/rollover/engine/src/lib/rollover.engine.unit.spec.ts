/**
 * The engine's own rules, on the in-memory store and bus and a virtual clock (no relay: the
 * engine sees its own writes through its pending view): settings that do not resolve start
 * nothing, and a store outage on a tick is logged and decided again on the next tick.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { deriveId, InfrastructureError, newEvent, RecordedEvent } from '@keel/events';
import { createMemoryEventStore, EventStore } from '@keel/event-store';
import { createMemoryBus } from '@keel/bus';
import { createLogger, createMetrics, createVirtualClock, runEngine } from '@keel/runtime';
import { createRolloverEngine } from './rollover.engine';
import { ct, gcSettings, unwrap } from '../testing/rollover-engine.fixtures';

const settings = gcSettings(15 * 60_000);

describe('createRolloverEngine', () => {
  it('refuses settings that do not resolve, naming the key', () => {
    const clock = createVirtualClock(0);
    const ports = {
      store: createMemoryEventStore({ now: () => clock.now() }),
      clock,
      logger: createLogger({ name: 'spec', level: 'silent' }),
      metrics: createMetrics('spec'),
    };
    const r = createRolloverEngine(ports, { ...settings, rollPolicy: 'GC:five' });
    expect(E.isLeft(r) && r.left.path).toBe('KEEL_ROLL_POLICY');
  });
});

describe('a store outage on a tick', () => {
  it('is logged, and the next tick after the store is back stores the decision', async () => {
    const clock = createVirtualClock(ct('2025-12-06', '10:00'));
    const memory = createMemoryEventStore({ now: () => clock.now() });
    let down = false;
    const outage: InfrastructureError = {
      _tag: 'InfrastructureError',
      component: 'store',
      op: 'append',
      message: 'spec: store down',
    };
    const store: EventStore = {
      ...memory,
      append: (stream, events, expected) =>
        down ? TE.left(outage) : memory.append(stream, events, expected),
    };
    const lines: { level: number; msg: string }[] = [];
    const logger = createLogger({
      name: 'spec',
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    const bus = createMemoryBus();
    const ports = { store, bus, clock, logger, metrics: createMetrics('spec') };
    const stored = async (): Promise<string[]> =>
      (unwrap(await memory.readAll({ after: 0, maxCount: 1000 })()).events as RecordedEvent[])
        .filter((e) => e.type === 'ContractTargetSet')
        .map((e) => (e.type === 'ContractTargetSet' ? `${e.data.instrument} ${e.data.targetQty}` : ''));

    // A Saturday target: held until the Sunday 17:00 CT open, so the first decision is a tick's.
    const meta = {
      correlationId: 'spec',
      causationId: null,
      producer: 'optimizer',
      occurredAt: new Date(clock.now()).toISOString(),
    };
    unwrap(
      await memory.append(
        'portfolio-acc-1',
        [
          unwrap(
            newEvent(
              'TargetPositionSet',
              deriveId('spec-opt', 1),
              { accountId: 'acc-1', instrument: 'CME:GC', targetQty: '2', horizonSec: 3600, reason: 'spec' },
              meta,
            ),
          ),
        ],
        'any',
      )(),
    );
    const rollover = unwrap(createRolloverEngine(ports, settings));
    const running = unwrap(await runEngine(rollover.engine, ports, { snapshotEvery: 1000 })());
    try {
      down = true;
      unwrap(await clock.runUntil(ct('2025-12-07', '17:10')));
      for (let i = 0; i < 100 && !lines.some((l) => l.msg === 'tick failed; the next one decides again'); i++)
        await new Promise((r) => setImmediate(r));
      expect(lines.some((l) => l.msg === 'tick failed; the next one decides again')).toBe(true);
      expect(E.isLeft(await rollover.tick())).toBe(true);
      expect(await stored()).toEqual([]);

      down = false;
      unwrap(await clock.runUntil(ct('2025-12-07', '17:20')));
      for (let i = 0; i < 100 && (await stored()).length === 0; i++)
        await new Promise((r) => setImmediate(r));
      expect(await stored()).toEqual(['GCG6 2']);
    } finally {
      await running.stop();
      await bus.close();
      await memory.close();
    }
  });
});

describe('a configured account with no CME position yet', () => {
  it.each([
    ['acc-1', ['calendar-GC CME:GC → GCG6']],
    ['acc-2', []],
  ])(
    '%s (configured: acc-1) reports flat before any target → mapped %j: the optimizer prices CME:<ROOT> from the mapped contract',
    async (reporter, expected) => {
      const clock = createVirtualClock(ct('2025-12-08', '10:00'));
      const store = createMemoryEventStore({ now: () => clock.now() });
      const bus = createMemoryBus();
      const logger = createLogger({ name: 'spec', level: 'silent' });
      const ports = { store, bus, clock, logger, metrics: createMetrics('spec') };
      const mapped = async (): Promise<string[]> =>
        (unwrap(await store.readAll({ after: 0, maxCount: 1000 })()).events as RecordedEvent[]).flatMap(
          (e) =>
            e.type === 'ContractMapped' ? [`${e.stream} ${e.data.instrument} → ${e.data.contract}`] : [],
        );
      const report = (accountId: string) =>
        unwrap(
          newEvent(
            'PositionReported',
            deriveId('spec-gw', accountId, clock.now()),
            { accountId, venue: 'cme-sim', positions: [] },
            {
              correlationId: 'spec',
              causationId: null,
              producer: 'gateway',
              occurredAt: new Date(clock.now()).toISOString(),
            },
          ),
        );
      // In the log when the engine starts (its start-up replay folds it; the in-memory bus
      // carries nothing appended to the store afterwards).
      unwrap(await store.append(`venue-${reporter}`, [report(reporter)], 'any')());
      const rollover = unwrap(createRolloverEngine(ports, settings));
      const running = unwrap(await runEngine(rollover.engine, ports, { snapshotEvery: 1000 })());
      try {
        unwrap(await clock.runUntil(ct('2025-12-08', '10:30')));
        for (let i = 0; i < 100 && (await mapped()).length < expected.length; i++)
          await new Promise((r) => setImmediate(r));
        // Only a configured account's report opens a book (and maps the root).
        expect(await mapped()).toEqual(expected);
      } finally {
        await running.stop();
        await bus.close();
        await store.close();
      }
    },
  );
});
