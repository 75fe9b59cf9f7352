/**
 * Running the windows of `keel twap-eval`: in this process (`jobs` 1) or on `jobs` child
 * processes (`keel twap-eval-worker`, the same CLI), each pulling the next window when it
 * finishes one, so long windows do not leave the others idle. A worker loads a market the
 * first time a window of it arrives and keeps it. The protocol is one JSON line per message:
 * a task on the worker's stdin, its result on the worker's stdout (stderr is passed through).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BINANCE_USDM_BTCUSDT, Instrument } from '@keel/venue-domain';
import { keelLaunch } from '../app-launch';
import { depthScaleOf, EvalMarket, inferInstrument, loadMarkets } from './twap-eval.market';
import { WindowTask } from './twap-eval.plan';
import { EvalSettings, evaluateWindow, WindowResult } from './twap-eval.run';

export interface WorkerRequest {
  readonly task: WindowTask;
  readonly settings: EvalSettings;
}

export type WorkerReply =
  { readonly id: number; readonly result: WindowResult } | { readonly id: number; readonly error: string };

export interface LoadedMarket {
  readonly market: EvalMarket;
  readonly instrument: Instrument;
  /** Sizes × this = sizes on the simulator's depth curve (depthScaleOf). */
  readonly depthScale: number;
}

export const withInstrument = (market: EvalMarket): LoadedMarket => {
  const instrument = inferInstrument(market.name, market.events);
  return {
    market,
    instrument,
    depthScale: depthScaleOf(market, instrument.symbol === BINANCE_USDM_BTCUSDT.symbol),
  };
};

const runOne = async (m: LoadedMarket, r: WorkerRequest, wallNow: () => number): Promise<WorkerReply> => {
  try {
    return {
      id: r.task.id,
      result: await evaluateWindow(m.market, m.instrument, r.task, r.settings, wallNow, m.depthScale),
    };
  } catch (e) {
    return { id: r.task.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
};

/** The worker's loop: read tasks from `input` lines, write one reply line each to `write`. */
export const workerLoop = async (
  input: NodeJS.ReadableStream,
  write: (line: string) => void,
  wallNow: () => number,
): Promise<void> => {
  const cache = new Map<string, LoadedMarket>();
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as WorkerRequest;
    let m = cache.get(r.task.market);
    if (!m) {
      const loaded = await loadMarkets(r.task.files, () => undefined);
      const found = loaded.markets.find((x) => x.name === r.task.market);
      if (!found) {
        write(JSON.stringify({ id: r.task.id, error: `cannot load ${r.task.market}` }));
        continue;
      }
      m = withInstrument(found);
      cache.set(r.task.market, m);
    }
    write(JSON.stringify(await runOne(m, r, wallNow)));
  }
};

/**
 * Run every task, `jobs` at a time, calling `done` as each finishes (in completion order; the
 * caller sorts). Left as an exception: a worker that dies, or a window that throws.
 */
export const runTasks = async (
  tasks: readonly WindowTask[],
  markets: ReadonlyMap<string, LoadedMarket>,
  settings: EvalSettings,
  jobs: number,
  wallNow: () => number,
  done: (task: WindowTask, result: WindowResult) => void,
): Promise<void> => {
  const reply = (task: WindowTask, r: WorkerReply): void => {
    if ('error' in r)
      throw new Error(`window ${task.market} ${new Date(task.start).toISOString()}: ${r.error}`);
    done(task, r.result);
  };
  if (jobs <= 1) {
    for (const task of tasks) {
      const m = markets.get(task.market);
      if (!m) throw new Error(`internal: no market ${task.market}`);
      reply(task, await runOne(m, { task, settings }, wallNow));
    }
    return;
  }
  const queue = [...tasks];
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const children = new Set<ReturnType<typeof spawn>>();
  let aborted = false;
  const worker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const launch = keelLaunch(['twap-eval-worker']);
      // The young-generation size keel twap-sim sets for itself (many short-lived decimals).
      const child = spawn(launch.command, ['--max-semi-space-size=64', ...launch.args], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.add(child);
      let failed = false;
      // One failure stops every worker: the evaluation is incomplete either way.
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        aborted = true;
        for (const c of children) c.kill();
        reject(e);
      };
      const next = (): void => {
        const task = queue.shift();
        if (task) child.stdin.write(`${JSON.stringify({ task, settings } satisfies WorkerRequest)}\n`);
        else child.stdin.end();
      };
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
        if (failed) return;
        try {
          const r = JSON.parse(line) as WorkerReply;
          const task = byId.get(r.id);
          if (!task) throw new Error(`a worker answered an unknown window ${r.id}`);
          reply(task, r);
          next();
        } catch (e) {
          fail(e instanceof Error ? e : new Error(String(e)));
        }
      });
      child.on('error', (e) => fail(e));
      child.on('exit', (code, signal) => {
        children.delete(child);
        if (code === 0 && !aborted) resolve();
        else if (aborted) reject(new Error('stopped: another twap-eval worker failed'));
        else fail(new Error(`a twap-eval worker exited with ${code ?? signal}`));
      });
      next();
    });
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, () => worker()));
};
