/**
 * The one start-up path, on the in-memory store and bus with the real relay between them:
 * replay then consume, snapshots, reactions with ids derived from their cause, and a
 * failing write that leaves the event unapplied until it succeeds; the consumer gauges
 * (position, store head, lag in events of the app's types) on /metrics.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { deriveId, encodeWire, newEvent, NewEvent, RecordedEvent } from '@keel/events';
import { createMemoryEventStore, EventStore } from '@keel/event-store';
import { createMemoryBus, EventBus } from '@keel/bus';
import { Relay, startRelay } from '@keel/relay';
import { createVirtualClock } from '@keel/clock';
import { createLogger } from '../logging/pino.logger';
import { FoldingApp, Write } from './app.definition';
import { createMetrics } from '../metrics/prom.metrics';
import { CONSUMER_LAG_CAP, RunningApp, startFoldingApp } from './folding-app.start';
import { tallyApp, Tally } from './tally.projection';

const logger = createLogger({ name: 'spec', level: 'silent' });
const clock = createVirtualClock(Date.UTC(2024, 0, 1));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const target = (n: number): NewEvent => {
  const e = newEvent(
    'TargetPositionSet',
    deriveId('spec', n),
    { accountId: 'acc-1', instrument: 'BTCUSDT', targetQty: `${n}`, horizonSec: 60, reason: 'spec' },
    {
      correlationId: `c-${n}`,
      causationId: null,
      producer: 'optimizer',
      occurredAt: '2024-01-01T00:00:00.000Z',
    },
  );
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

const eventually = async (what: string, cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`never: ${what}`);
};

let store: EventStore;
let bus: EventBus;
let relay: Relay;
const running: RunningApp<unknown>[] = [];

const start = async <S>(app: FoldingApp<S>, snapshotEvery = 1000): Promise<RunningApp<S>> => {
  const r = await startFoldingApp(app, { store, bus, clock, logger }, { snapshotEvery });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  running.push(r.right as RunningApp<unknown>);
  return r.right;
};
const append = async (events: readonly NewEvent[]) => {
  const r = await store.append('portfolio-acc-1', events, 'any')();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right.position;
};

beforeEach(async () => {
  store = createMemoryEventStore();
  bus = createMemoryBus();
  const r = await startRelay({ store, bus, logger: quiet });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  relay = r.right;
});

afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  await relay.stop();
  await bus.close();
  await store.close();
});

describe('startFoldingApp', () => {
  it('replays what is stored, then applies what arrives, each event once', async () => {
    await append([target(1), target(2)]);
    const app = await start(tallyApp('execution', ['TargetPositionSet']));
    expect(app.replayed).toBe(2);
    expect(app.state().counts.TargetPositionSet).toBe(2);
    const head = await append([target(3)]);
    await eventually('event 3 applied', () => app.position() === head);
    expect(app.state().counts.TargetPositionSet).toBe(3);
  });

  it('resumes from its snapshot and replays only what came after', async () => {
    await append([target(1), target(2)]);
    const first = await start(tallyApp('execution', ['TargetPositionSet']));
    await first.stop(); // saves a snapshot at position 2
    running.splice(0);
    await append([target(3)]);
    const second = await start(tallyApp('execution', ['TargetPositionSet']));
    expect(second.replayed).toBe(1);
    expect(second.state().counts.TargetPositionSet).toBe(3);
  });

  it('ignores a snapshot taken by another projection version', async () => {
    await store.saveSnapshot('app:execution', {
      position: 99,
      version: 0,
      state: { counts: { TargetPositionSet: 1000 } },
    })();
    await append([target(1)]);
    const app = await start(tallyApp('execution', ['TargetPositionSet']));
    expect(app.state()).toEqual<Tally>({ counts: { TargetPositionSet: 1 } });
  });

  it('replays from the start when its projection says the snapshot does not fit (e.g. an account added since)', async () => {
    await append([target(1), target(2)]);
    const first = await start(tallyApp('execution', ['TargetPositionSet']));
    await first.stop(); // saves a snapshot at position 2
    running.splice(0);
    await append([target(3)]);
    const base = tallyApp('execution', ['TargetPositionSet']);
    const refusing: FoldingApp<Tally> = {
      ...base,
      projection: { ...base.projection, resumesFrom: () => false },
    };
    const second = await start(refusing);
    expect(second.replayed).toBe(3);
    expect(second.state().counts.TargetPositionSet).toBe(3);
  });

  describe('reactions', () => {
    // Echoes each target as an engaged kill switch, with an id derived from its cause.
    const reacting = (): FoldingApp<Tally> => ({
      ...tallyApp('gateway', ['TargetPositionSet']),
      react: (event: RecordedEvent): readonly Write[] => {
        const e = newEvent(
          'KillSwitchEngaged',
          deriveId('gateway', event.eventId),
          { scope: 'global', accountId: null, reason: `after ${event.eventId}` },
          {
            correlationId: event.correlationId,
            causationId: event.eventId,
            producer: 'gateway',
            occurredAt: '2024-01-01T00:00:00.000Z',
          },
        );
        if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
        return [{ stream: 'control-global', expected: 'any', events: [e.right] }];
      },
    });

    it('stores the writes an event calls for, carrying its correlation and causation', async () => {
      const app = await start(reacting());
      const head = await append([target(1)]);
      await eventually('applied', () => app.position() === head);
      const written = await store.readStream('control-global')();
      expect(
        E.isRight(written) && written.right.map((e) => [e.type, e.causationId, e.correlationId]),
      ).toEqual([['KillSwitchEngaged', deriveId('spec', 1), 'c-1']]);
    });

    it('reacts on replay to events past its checkpoint: a crash between an event and its writes loses nothing', async () => {
      await append([target(1)]); // stored while the app was down, never reacted to
      const app = await start(reacting());
      expect(app.replayed).toBe(1);
      const written = await store.readStream('control-global')();
      expect(E.isRight(written) && written.right.map((e) => e.causationId)).toEqual([deriveId('spec', 1)]);
    });

    it('tells a reaction whether it may be re-running after a restart', async () => {
      const seen: [string, boolean][] = [];
      await append([target(1)]);
      const app = await start({
        ...tallyApp('gateway', ['TargetPositionSet']),
        react: async (event, _state, ctx) => {
          seen.push([event.type === 'TargetPositionSet' ? event.data.targetQty : event.type, ctx.again]);
          return [];
        },
      });
      const head = await append([target(2)]);
      await eventually('applied', () => app.position() === head);
      expect(seen).toEqual([
        ['1', true],
        ['2', false],
      ]);
    });

    it('re-derives the same writes after losing its checkpoints, and stores them once', async () => {
      const app = await start(reacting());
      const head = await append([target(1)]);
      await eventually('applied', () => app.position() === head);
      await app.stop();
      running.splice(0);
      await store.saveSnapshot('app:gateway', { position: 0, version: -1, state: null })();
      await store.saveSnapshot('app:gateway:reacted', { position: 0, version: 1, state: null })();
      const again = await start(reacting());
      expect(again.replayed).toBe(1);
      const written = await store.readStream('control-global')();
      expect(E.isRight(written) && written.right.length).toBe(1);
    });

    it('does not apply an event whose write failed; the redelivery applies it once', async () => {
      const base = reacting();
      let attempts = 0;
      const app = await start({
        ...base,
        // The first attempt's write expects a stream that does not exist: a ConcurrencyError.
        react: async (event, state, ctx) =>
          (await (base.react!(event, state, ctx) as readonly Write[] | Promise<readonly Write[]>)).map((w) =>
            ++attempts === 1 ? { ...w, expected: 'exists' as const } : w,
          ),
      });
      const head = await append([target(1)]);
      await eventually('applied after the retry', () => app.position() === head);
      expect(attempts).toBe(2);
      expect(app.state().counts.TargetPositionSet).toBe(1);
      const written = await store.readStream('control-global')();
      expect(E.isRight(written) && written.right.length).toBe(1);
    });

    it('does not apply an event whose TaskEither reaction is a Left; the redelivery applies it once', async () => {
      const base = reacting();
      let attempts = 0;
      const app = await start({
        ...base,
        react: (event, state, ctx) =>
          ++attempts === 1
            ? TE.left({ _tag: 'IllegalStateError', message: 'not yet' })
            : TE.right(base.react!(event, state, ctx) as readonly Write[]),
      });
      const head = await append([target(1)]);
      await eventually('applied after the retry', () => app.position() === head);
      expect(attempts).toBe(2);
      expect(app.state().counts.TargetPositionSet).toBe(1);
      const written = await store.readStream('control-global')();
      expect(E.isRight(written) && written.right.length).toBe(1);
    });
  });
});

describe('what the consumer trusts, and what it does with a failing event', () => {
  // The same store; a bus that retries a failing handler from 1 ms apart instead of 500.
  const restartBus = async (): Promise<void> => {
    await relay.stop();
    await bus.close();
    bus = createMemoryBus({ retryDelayMs: 1 });
    const r = await startRelay({ store, bus, logger: quiet });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    relay = r.right;
  };
  const startWith = async (app: FoldingApp<Tally>) => {
    const metrics = createMetrics('execution');
    const started = await startFoldingApp(
      app,
      { store, bus, clock, logger, metrics },
      { snapshotEvery: 1000 },
    );
    if (E.isLeft(started)) throw new Error(JSON.stringify(started.left));
    running.push(started.right as RunningApp<unknown>);
    return { app: started.right, metrics };
  };
  /** The stored event 1 as the relay would send it, claiming another position. */
  const forged = async (position: number): Promise<Uint8Array> => {
    const page = await store.readAll({ after: 0, maxCount: 1 })();
    if (E.isLeft(page) || !page.right.events[0]) throw new Error('no event 1');
    return new TextEncoder().encode(encodeWire({ ...page.right.events[0], globalPosition: position }));
  };

  it('dead-letters a forged event (unstamped, or stamped past the store head), counts it, and applies every real one', async () => {
    await restartBus();
    const { app, metrics } = await startWith(tallyApp('execution', ['TargetPositionSet']));
    await append([target(1)]);
    await eventually('the first event applied', () => app.position() === 1);
    const subject = 'keel.evt.portfolio.TargetPositionSet';
    expect(E.isRight(await bus.publishRaw(subject, await forged(1e9))())).toBe(true);
    expect(
      E.isRight(await bus.publishRaw(subject, await forged(1e9), { 'Keel-Position': '1000000000' })()),
    ).toBe(true);
    const head = await append([target(2), target(3)]);
    await eventually('the real events applied', () => app.position() === head);
    expect(app.state().counts.TargetPositionSet).toBe(3);
    const text = await metrics.registry.metrics();
    expect(text).toContain('dead_letters_total{reason="untrusted",app="execution"} 2');
    const letters = await bus.deadLetters('execution')();
    expect(E.isRight(letters) && letters.right.map((l) => l.reason)).toEqual([
      expect.stringMatching(/no Keel-Position header/),
      expect.stringMatching(/position 1000000000 is past the store's head/),
    ]);
  });

  it('waits out a failing reaction (stalled, not ready) and applies the event once it succeeds: nothing skipped', async () => {
    await restartBus();
    let failing = true;
    const { app, metrics } = await startWith({
      ...tallyApp('execution', ['TargetPositionSet']),
      react: async (event) => {
        if (event.globalPosition === 1 && failing) throw new Error('store read timed out');
        return [];
      },
    });
    await append([target(1), target(2)]);
    await eventually('stalled', () => app.health().state === 'stalled');
    expect(app.position()).toBe(0);
    expect(await metrics.registry.metrics()).toContain('consumer_health{app="execution"} 1');
    failing = false;
    await eventually('both applied', () => app.position() === 2);
    expect(app.state().counts.TargetPositionSet).toBe(2);
    expect(app.health()).toEqual({ state: 'flowing' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('consumer_health{app="execution"} 0');
    expect(text).not.toContain('dead_letters_total{');
  });

  it('applies from the store an event NATS never delivered (positions are dense), before the one past it', async () => {
    await relay.stop(); // this test publishes by hand, leaving one out
    bus = createMemoryBus({ retryDelayMs: 1 });
    const { app } = await startWith(tallyApp('execution', ['TargetPositionSet']));
    await append([target(1), target(2), target(3)]);
    const page = await store.readAll({ after: 0, maxCount: 10 })();
    if (E.isLeft(page)) throw new Error('read');
    const [e1, , e3] = page.right.events;
    if (!e1 || !e3) throw new Error('events');
    const identity = await store.identity()();
    const published = await bus.publish([e1, e3], E.isRight(identity) ? identity.right : undefined)();
    expect(E.isRight(published)).toBe(true);
    await eventually('all three applied', () => app.position() === 3);
    expect(app.state().counts.TargetPositionSet).toBe(3);
  });

  it('halts on an event its fold throws on: nothing after it applied, health halted naming it', async () => {
    await restartBus();
    const base = tallyApp('execution', ['TargetPositionSet']);
    const { app, metrics } = await startWith({
      ...base,
      projection: {
        ...base.projection,
        evolve: (s, e) => {
          if (e.globalPosition === 2) throw new Error('no such account');
          return base.projection.evolve(s, e);
        },
      },
    });
    await append([target(1), target(2), target(3)]);
    await eventually('halted', () => app.health().state === 'halted');
    expect(app.position()).toBe(1);
    expect(app.health()).toMatchObject({
      state: 'halted',
      position: 2,
      reason: expect.stringMatching(/cannot be applied: the fold throws: no such account/),
    });
    expect(await metrics.registry.metrics()).toContain('consumer_health{app="execution"} 2');
  });
});

describe('the consumer gauges on /metrics', () => {
  const other = (n: number): NewEvent => {
    const e = newEvent(
      'KillSwitchEngaged',
      deriveId('spec-other', n),
      { scope: 'global', accountId: null, reason: 'spec' },
      { correlationId: `o-${n}`, causationId: null, producer: 'cli', occurredAt: '2024-01-01T00:00:00.000Z' },
    );
    if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
    return e.right;
  };
  const gauge = (text: string, name: string): number => {
    const m = new RegExp(`^${name}\\{app="execution"\\} (\\S+)$`, 'm').exec(text);
    if (!m) throw new Error(`no ${name} in\n${text}`);
    return Number(m[1]);
  };

  it("shows the position, the store's head and the events of the app's types not folded yet", async () => {
    const metrics = createMetrics('execution');
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    let reacting = 0;
    const app: FoldingApp<Tally> = {
      ...tallyApp('execution', ['TargetPositionSet']),
      // The first live event holds the consumer until the gate opens: it falls behind.
      react: async () => {
        reacting++;
        await gate;
        return [];
      },
    };
    const r = await startFoldingApp(app, { store, bus, clock, logger, metrics }, { snapshotEvery: 1000 });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    running.push(r.right as RunningApp<unknown>);
    let text = await metrics.registry.metrics();
    expect([gauge(text, 'keel_consumer_position'), gauge(text, 'keel_store_head_position')]).toEqual([0, 0]);
    expect(gauge(text, 'keel_consumer_lag_events')).toBe(0);

    await append([target(1)]);
    await eventually('the consumer holding event 1', () => reacting === 1);
    await append([target(2), target(3)]);
    await store.append('control-global', [other(1)], 'any')();
    text = await metrics.registry.metrics();
    expect(gauge(text, 'keel_consumer_position')).toBe(0);
    expect(gauge(text, 'keel_store_head_position')).toBe(4);
    // Three targets not folded; the kill switch is not of the app's types, so not lag.
    expect(gauge(text, 'keel_consumer_lag_events')).toBe(3);

    open();
    await eventually('caught up', () => r.right.position() === 3);
    text = await metrics.registry.metrics();
    expect(gauge(text, 'keel_consumer_position')).toBe(3);
    expect(gauge(text, 'keel_store_head_position')).toBe(4);
    expect(gauge(text, 'keel_consumer_lag_events')).toBe(0);
  });

  it('counts the lag up to its cap (one page per scrape), never past it', async () => {
    const metrics = createMetrics('execution');
    let open: () => void = () => undefined;
    const gate = new Promise<void>((r) => (open = r));
    let reacting = 0;
    const app: FoldingApp<Tally> = {
      ...tallyApp('execution', ['TargetPositionSet']),
      react: async () => {
        reacting++;
        await gate;
        return [];
      },
    };
    const r = await startFoldingApp(app, { store, bus, clock, logger, metrics }, { snapshotEvery: 100_000 });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    running.push(r.right as RunningApp<unknown>);
    await append([target(0)]);
    await eventually('the consumer holding event 1', () => reacting === 1);
    await append(Array.from({ length: CONSUMER_LAG_CAP + 5 }, (_, i) => target(i + 1)));
    const text = await metrics.registry.metrics();
    expect(gauge(text, 'keel_store_head_position')).toBe(CONSUMER_LAG_CAP + 6);
    expect(gauge(text, 'keel_consumer_lag_events')).toBe(CONSUMER_LAG_CAP);
    open();
  });
});
