/**
 * The kernel on a tiny engine: a ticker that records a quote each second, and a reaction that
 * answers every quote with a decision (appended to another stream). What it shows: timers
 * fire on their grid instants in order, each runs to quiescence before time moves (the
 * reaction to a quote is stored before the next quote), a failing reaction is tried again
 * after the bus's retry delay on the virtual clock, and the same run twice stores the same log.
 */
import * as E from 'fp-ts/Either';
import { deriveId, newEvent, RecordedEvent } from '@keel/events';
import { appendIgnoringDuplicates } from '@keel/event-store';
import { Engine, FoldingApp } from '@keel/runtime';
import { createSimulation, Simulation } from './simulation.kernel';

const T0 = Date.parse('2026-01-01T00:00:00Z');

const quote = (at: number) => {
  const e = newEvent(
    'QuoteUpdated',
    deriveId('kernel-spec', 'quote', String(at)),
    {
      venue: 'sim',
      instrument: 'BTC/USDT:USDT',
      bidPrice: '100',
      bidQty: '1',
      askPrice: '101',
      askQty: '1',
      venueAt: new Date(at).toISOString(),
    },
    { correlationId: 'spec', causationId: null, producer: 'gateway', occurredAt: new Date(at).toISOString() },
  );
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

/** Records a quote on each tick; answers each quote with a KillSwitchReleased (any small event) stamped with the clock. */
const tinyEngine = (sim: Simulation, failFirst: number): Engine<number> => {
  let failures = 0;
  const app: FoldingApp<number> = {
    name: 'tiny',
    projection: { version: 1, initial: 0, eventTypes: ['QuoteUpdated'], evolve: (n) => n + 1 },
    react: (event, n, ctx) => {
      if (failures < failFirst) {
        failures++;
        throw new Error('a transient failure');
      }
      const answer = newEvent(
        'KillSwitchReleased',
        deriveId('kernel-spec', 'answer', event.eventId),
        { scope: 'global', accountId: null, reason: `answer ${n} at ${ctx.now}` },
        {
          correlationId: 'spec',
          causationId: event.eventId,
          producer: 'tiny',
          occurredAt: new Date(ctx.now).toISOString(),
        },
      );
      if (E.isLeft(answer)) throw new Error(JSON.stringify(answer.left));
      return [{ stream: 'control-tiny', expected: 'any', events: [answer.right] }];
    },
  };
  return {
    app,
    tickers: [
      {
        name: 'tiny-quote',
        everyMs: 1000,
        work: async (at) => {
          const r = await appendIgnoringDuplicates(sim.ports.store, 'venue-md.sim', [quote(at)])();
          if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
        },
      },
    ],
  };
};

const runFor = async (failFirst: number): Promise<RecordedEvent[]> => {
  const sim = createSimulation({ startAt: T0 + 250 });
  const hosted = await sim.host(tinyEngine(sim, failFirst));
  if (E.isLeft(hosted)) throw new Error(JSON.stringify(hosted.left));
  await sim.runUntil(T0 + 3_500);
  const all = await sim.ports.store.readAll({ after: 0, maxCount: 100 })();
  await sim.stop();
  if (E.isLeft(all)) throw new Error(JSON.stringify(all.left));
  return [...all.right.events];
};

const summary = (es: readonly RecordedEvent[]) =>
  es.map(
    (e) =>
      `${e.type}@${e.occurredAt.slice(17, 23)}${e.type === 'KillSwitchReleased' ? ` ${e.data.reason.split(' at ')[0]}` : ''}`,
  );

describe('the simulation kernel', () => {
  it('fires the ticker on its grid and runs each reaction before time moves on', async () => {
    expect(summary(await runFor(0))).toEqual([
      'QuoteUpdated@01.000',
      'KillSwitchReleased@01.000 answer 1',
      'QuoteUpdated@02.000',
      'KillSwitchReleased@02.000 answer 2',
      'QuoteUpdated@03.000',
      'KillSwitchReleased@03.000 answer 3',
    ]);
  });

  it('tries a failing reaction again after the retry delay, in virtual time, and loses nothing', async () => {
    const es = await runFor(2);
    // Two failures 500 ms apart: the first answer is stored at 02.000; the retry's timer ('sleep')
    // fires before the ticker's ('tiny-quote') at that instant: (time, name) order.
    expect(summary(es)).toEqual([
      'QuoteUpdated@01.000',
      'KillSwitchReleased@02.000 answer 1',
      'QuoteUpdated@02.000',
      'KillSwitchReleased@02.000 answer 2',
      'QuoteUpdated@03.000',
      'KillSwitchReleased@03.000 answer 3',
    ]);
  });

  it('stores the same log, byte for byte, when run twice', async () => {
    const strip = (es: readonly RecordedEvent[]) => es.map(({ recordedAt: _r, ...rest }) => rest);
    expect(strip(await runFor(1))).toEqual(strip(await runFor(1)));
  });
});
