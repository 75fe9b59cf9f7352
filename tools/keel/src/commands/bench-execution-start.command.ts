/**
 * `keel bench execution-start [--parents 200] [--early 10] [--rounds 3] [--dir <dir>] [--json]`:
 * what starting execution costs as its aggregate's history grows, with and without aggregate
 * snapshots (libs/execution/engine/src/lib/execution.snapshot.ts), measured in the same run.
 *
 * One account's aggregate holds `early`, then `parents`, parent orders of a real history (the
 * decider driven through targets, ticks, fills and cancels: bench-parent-orders.ts) in the
 * embedded SQLite store, with the gateway's facts and the last target. For each history and each
 * mode (snapshots every 200 events, the default; none) the engine is started once (what a first
 * start after an upgrade does: it writes the snapshots), then `rounds` more times on the real
 * runtime (runEngine: view replay from its snapshot, reconciliation, the aggregate's load),
 * keeping the best wall and CPU time to ready and the aggregate events read at that start.
 * The figure is the ratio late ÷ early per mode: 1 when a start does not cost more the longer
 * the account has traded.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { Registry } from 'prom-client';
import { createMemoryBus } from '@keel/bus';
import { createRealClock } from '@keel/clock';
import { deriveId, encodeEvent, EventData, EventType, newEvent, NewEvent } from '@keel/events';
import { EventStore, openEventStore } from '@keel/event-store';
import { eventIdFor, executionStream } from '@keel/execution-domain';
import { createExecutionEngine } from '@keel/execution-engine';
import { BINANCE_USDM_BTCUSDT, instrumentToStored } from '@keel/instruments';
import { createLogger, runEngine } from '@keel/runtime';
import { intFlag, parseFlags } from '../cli.io';
import type { Command, OptionSpecs } from './command';
import { parentOrderHistory } from './bench-parent-orders';
import { msSince, nowNs, r2 } from './bench.timing';

const ACCOUNT = 'bench-1';
const SYMBOL = BINANCE_USDM_BTCUSDT.symbol;
const STREAM = executionStream(ACCOUNT, SYMBOL);
const targetIdOf = (p: number): string => deriveId('bench-execution-start', 'target', p);

export interface ExecutionStartBenchOptions {
  readonly dir: string;
  readonly early: number;
  readonly parents: number;
  readonly rounds: number;
  /** Aggregate snapshots every this many events in the snapshot mode (default 200, the engine's). */
  readonly snapshotEvery?: number;
}

export interface StartFigures {
  /** Best of the timed starts. */
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Events of the aggregate's stream read at the start (all of them without snapshots). */
  readonly aggregateEventsRead: number;
}

export interface ExecutionStartBenchResult {
  readonly parents: { readonly early: number; readonly late: number };
  readonly aggregateEvents: { readonly early: number; readonly late: number };
  readonly snapshotEvery: number;
  readonly withSnapshots: {
    readonly early: StartFigures;
    readonly late: StartFigures;
    readonly lateToEarlyCpu: number;
  };
  readonly withoutSnapshots: {
    readonly early: StartFigures;
    readonly late: StartFigures;
    readonly lateToEarlyCpu: number;
  };
}

const fact = <T extends EventType>(type: T, tag: string, data: EventData<T>, producer: string): NewEvent => {
  const e = newEvent(type, deriveId('bench-execution-start', type, tag), data, {
    correlationId: 'bench',
    causationId: null,
    producer,
    occurredAt: new Date('2026-01-01T00:00:00Z').toISOString(),
  });
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right as NewEvent;
};

const must = async <A>(what: string, t: () => Promise<E.Either<unknown, A>>): Promise<A> => {
  const r = await t();
  if (E.isLeft(r)) throw new Error(`${what}: ${JSON.stringify(r.left)}`);
  return r.right;
};

/** A store holding `parents` parent orders of the account's aggregate, the gateway's facts and the last target. */
const seed = async (file: string, parents: number): Promise<number> => {
  const store = await must('opening the store', openEventStore(`sqlite:${file}`));
  try {
    await must(
      'appending the facts',
      store.append(
        'venue-sim',
        [
          fact(
            'InstrumentsListed',
            'rules',
            { venue: 'sim', accountIds: [ACCOUNT], instruments: [instrumentToStored(BINANCE_USDM_BTCUSDT)] },
            'gateway',
          ),
        ],
        'any',
      ),
    );
    await must(
      'appending the position',
      store.append(
        `venue-${ACCOUNT}`,
        [fact('PositionReported', 'pos', { accountId: ACCOUNT, venue: 'sim', positions: [] }, 'gateway')],
        'any',
      ),
    );
    const history = parentOrderHistory(parents, { accountId: ACCOUNT, targetIdOf });
    const events = history.map((e) => {
      const s = encodeEvent(e);
      if (E.isLeft(s)) throw new Error(`${e.type} does not encode: ${s.left.message}`);
      const n = newEvent(s.right.type, eventIdFor(e), s.right.data as never, {
        correlationId: 'bench',
        causationId: null,
        producer: 'execution',
        occurredAt: s.right.occurredAt,
      });
      if (E.isLeft(n)) throw new Error(JSON.stringify(n.left));
      return n.right as NewEvent;
    });
    for (let i = 0; i < events.length; i += 500)
      await must('appending the history', store.append(STREAM, events.slice(i, i + 500), 'any'));
    // The last target, already taken up by the last parent order (its id is that target's).
    const last = parents - 1;
    const target = newEvent(
      'TargetPositionSet',
      targetIdOf(last),
      {
        accountId: ACCOUNT,
        instrument: SYMBOL,
        targetQty: last % 2 === 0 ? '1' : '0',
        horizonSec: 1200,
        reason: 'bench',
      },
      {
        correlationId: 'bench',
        causationId: null,
        producer: 'optimizer',
        occurredAt: new Date().toISOString(),
      },
    );
    if (E.isLeft(target)) throw new Error(JSON.stringify(target.left));
    await must('appending the target', store.append(`portfolio-${ACCOUNT}`, [target.right], 'any'));
    return events.length;
  } finally {
    await store.close();
  }
};

/** One start of execution on the store (to ready), then its stop. */
const start = async (file: string, snapshotEvery: number): Promise<StartFigures> => {
  const inner = await must('opening the store', openEventStore(`sqlite:${file}`));
  let aggregateEventsRead = 0;
  const store: EventStore = {
    ...inner,
    readStream: (stream, options) => async () => {
      const r = await inner.readStream(stream, options)();
      if (stream === STREAM && E.isRight(r)) aggregateEventsRead += r.right.length;
      return r;
    },
  };
  const bus = createMemoryBus();
  const logger = createLogger({ name: 'bench-execution-start', level: 'silent' });
  const clock = createRealClock();
  try {
    const t = nowNs();
    const cpu = process.cpuUsage();
    const execution = createExecutionEngine(
      { store, clock, logger, registry: new Registry() },
      {
        accounts: [ACCOUNT],
        sliceMs: 60_000,
        maxSlices: 240,
        tickMs: 1000,
        quoteMaxAgeMs: 10_000,
        aggregateSnapshotEvery: snapshotEvery,
      },
    );
    const running = await must(
      'starting execution',
      runEngine(execution.engine, { store, bus, clock, logger }, { snapshotEvery: 1000 }),
    );
    const wallMs = msSince(t);
    const used = process.cpuUsage(cpu);
    await running.stop();
    if (execution.aggregate(ACCOUNT, SYMBOL) === undefined)
      throw new Error('execution did not load the aggregate');
    return { wallMs: r2(wallMs), cpuMs: r2((used.user + used.system) / 1000), aggregateEventsRead };
  } finally {
    await bus.close();
    await inner.close();
  }
};

const best = (xs: readonly StartFigures[]): StartFigures => ({
  wallMs: Math.min(...xs.map((x) => x.wallMs)),
  cpuMs: Math.min(...xs.map((x) => x.cpuMs)),
  aggregateEventsRead: Math.max(...xs.map((x) => x.aggregateEventsRead)),
});

export const benchExecutionStart = async (
  o: ExecutionStartBenchOptions,
  progress: (line: string) => void = () => undefined,
): Promise<ExecutionStartBenchResult> => {
  const every = o.snapshotEvery ?? 200;
  const sizes = { early: o.early, late: o.parents };
  const events = { early: 0, late: 0 };
  const figures: Record<string, StartFigures> = {};
  for (const size of ['early', 'late'] as const)
    for (const [mode, snapshotEvery] of [
      ['with', every],
      ['without', 0],
    ] as const) {
      const file = path.join(o.dir, `${size}-${mode}.sqlite`);
      events[size] = await seed(file, sizes[size]);
      progress(`${sizes[size]} parent orders (${events[size]} events), ${mode} snapshots: first start`);
      await start(file, snapshotEvery);
      const timed: StartFigures[] = [];
      for (let k = 0; k < o.rounds; k++) timed.push(await start(file, snapshotEvery));
      figures[`${size}-${mode}`] = best(timed);
    }
  const of = (k: string): StartFigures => {
    const f = figures[k];
    if (!f) throw new Error(`no figures for ${k}`);
    return f;
  };
  const mode = (m: 'with' | 'without') => ({
    early: of(`early-${m}`),
    late: of(`late-${m}`),
    lateToEarlyCpu: r2(of(`late-${m}`).cpuMs / of(`early-${m}`).cpuMs),
  });
  return {
    parents: sizes,
    aggregateEvents: events,
    snapshotEvery: every,
    withSnapshots: mode('with'),
    withoutSnapshots: mode('without'),
  };
};

const OPTIONS = {
  parents: {
    type: 'string',
    valueName: 'n',
    description: 'parent orders in the long history',
    defaultText: '200',
  },
  early: {
    type: 'string',
    valueName: 'n',
    description: 'parent orders in the short history',
    defaultText: '10',
  },
  rounds: {
    type: 'string',
    valueName: 'n',
    description: 'timed starts per case (the best is kept)',
    defaultText: '3',
  },
  dir: {
    type: 'string',
    valueName: 'dir',
    description: 'directory for the store files (kept); a temporary one otherwise',
    defaultText: 'a new temporary directory',
  },
} as const satisfies OptionSpecs;

export const benchExecutionStartCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const parents = intFlag('parents', flags.parents, 200, 2);
    const early = intFlag('early', flags.early, 10, 1);
    const rounds = intFlag('rounds', flags.rounds, 3, 1);
    const dir = flags.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'keel-bench-execution-start-'));
    fs.mkdirSync(dir, { recursive: true });
    io.progress(
      `bench execution-start: ${early} and ${parents} parent orders, ${rounds} timed starts each, in ${dir}`,
    );
    try {
      const r = await benchExecutionStart({ dir, early, parents, rounds }, (l) => io.progress(l));
      io.result(
        r,
        () =>
          `execution start, CPU ms to ready: with snapshots ${r.withSnapshots.early.cpuMs} → ${r.withSnapshots.late.cpuMs} (×${r.withSnapshots.lateToEarlyCpu}); ` +
          `without ${r.withoutSnapshots.early.cpuMs} → ${r.withoutSnapshots.late.cpuMs} (×${r.withoutSnapshots.lateToEarlyCpu}) ` +
          `for ${r.aggregateEvents.early} → ${r.aggregateEvents.late} aggregate events`,
      );
      return 0;
    } finally {
      if (!flags.dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
