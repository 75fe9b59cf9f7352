/**
 * `keel twap-eval [--data <file|dir>]… [--durations 10m,30m,2h,6h,24h,longest] [--sizes 0.1,…,20]
 * [--max-windows 12] [--jobs N] [--out <dir>] [--quick] [--json]`
 *
 * `keel twap-sim` over many windows: every recorded market file the simulator can replay,
 * disjoint windows of each duration, sizes as a percentage of each window's volume, both
 * sides; the maker-first TWAP and the market-only baseline through the engines that trade, and
 * the distribution of their cost difference with bootstrap confidence intervals (docs/twap-eval.md).
 * Bad arguments exit 2, naming the argument and its value; nothing is sent to any venue.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import * as E from 'fp-ts/Either';
import { DEFAULT_POLICY, PolicyConfig, policyWithSettings } from '@keel/execution-domain';
import { intFlag, joinNegativeValues, parseFlags, UsageError } from '../cli.io';
import { workspaceRoot } from '../workspace-root';
import { bucketsOf, summarizeBuckets, summarizeGroups } from '../twap-eval/twap-eval.aggregate';
import { renderHtml } from '../twap-eval/twap-eval.html';
import { expandDataPaths, loadMarkets } from '../twap-eval/twap-eval.market';
import { MarketPlan, planMarket, WindowTask } from '../twap-eval/twap-eval.plan';
import { LoadedMarket, runTasks, withInstrument, workerLoop } from '../twap-eval/twap-eval.pool';
import { EvalSettings, RunRecord, SkippedRun, WindowResult } from '../twap-eval/twap-eval.run';
import { durationLabel } from '../twap-eval/twap-eval.windows';
import { humanReport, TwapEvalReport } from '../twap-eval/twap-eval.report';
import type { Command, OptionSpecs } from './command';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const LEAD_IN_MS = 60_000;
const DEFAULT_DURATIONS = '10m,30m,2h,6h,24h,longest';
const DEFAULT_SIZES = '0.1,0.5,1,5,10,20';
const QUICK = { durations: '10m', sizes: '1,10', maxWindows: 2, resamples: 500 };

const bad = (flag: string, value: string | undefined, why: string): UsageError =>
  new UsageError(`--${flag} ${why} (got ${JSON.stringify(value ?? null)})`);

const durationMs = (flag: string, value: string, whole: string | undefined, min = 1000): number => {
  const m = DURATION.exec(value);
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : NaN;
  if (!Number.isFinite(ms) || ms < min)
    throw bad(flag, whole, `must be durations of at least ${min / 1000}s such as 10m, 2h or 1d`);
  return Math.round(ms);
};

/**
 * `--policy '{…}'`: settings of PolicyConfig laid over the default (`policyWithSettings`: nested
 * objects over the default's own), validated: a bad key or value is refused naming it.
 */
export const parsePolicy = (value: string, base: PolicyConfig = DEFAULT_POLICY): PolicyConfig => {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    throw bad('policy', value, 'must be a JSON object such as {"clipsPerSlice":4}');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw bad('policy', value, 'must be a JSON object such as {"clipsPerSlice":4}');
  const p = policyWithSettings(base, v);
  if (E.isLeft(p)) throw bad('policy', value, `has a bad setting: ${p.left}`);
  return p.right;
};

/** `10m,2h,longest` → [600000, 7200000] and whether `longest` was asked for. */
export const parseDurations = (value: string): { readonly ms: number[]; readonly longest: boolean } => {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => p === ''))
    throw bad('durations', value, 'must be a comma-separated list such as 10m,2h');
  const ms = parts.filter((p) => p !== 'longest').map((p) => durationMs('durations', p, value, 60_000));
  return { ms: [...new Set(ms)].sort((a, b) => a - b), longest: parts.includes('longest') };
};

/** `0.1,1,10` → [0.1, 1, 10]: percentages in (0, 100]. */
export const parseSizes = (value: string): number[] => {
  const xs = value.split(',').map((p) => p.trim());
  const ns = xs.map(Number);
  if (
    xs.some(
      (p, i) => p === '' || !Number.isFinite(ns[i]) || (ns[i] as number) <= 0 || (ns[i] as number) > 100,
    )
  )
    throw bad(
      'sizes',
      value,
      'must be percentages of the window volume in (0, 100], comma-separated, e.g. 0.1,1,10',
    );
  return [...new Set(ns)].sort((a, b) => a - b);
};

const numberFlag = (flag: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw bad(flag, value, 'must be a number ≥ 0');
  return n;
};

const OPTIONS = {
  data: {
    type: 'string',
    multiple: true,
    valueName: 'file|dir',
    description: 'recorded market data (repeatable; a directory means its *.csv.gz)',
    defaultText: '../shared/data/market from the workspace root',
  },
  durations: {
    type: 'string',
    valueName: 'list',
    description: "window durations; 'longest' adds each file's longest round span (≤ 24h)",
    defaultText: DEFAULT_DURATIONS,
  },
  sizes: {
    type: 'string',
    valueName: 'list',
    description: "order sizes, % of the window's traded volume",
    defaultText: DEFAULT_SIZES,
  },
  'max-windows': {
    type: 'string',
    valueName: 'n',
    description: 'windows per file and duration (spread evenly)',
    defaultText: '12',
  },
  'max-gap': {
    type: 'string',
    valueName: 'duration',
    description: 'a hole in the data longer than this ends a window segment',
    defaultText: '60s',
  },
  'maker-bps': { type: 'string', valueName: 'bps', description: 'maker fee, basis points', defaultText: '2' },
  'taker-bps': { type: 'string', valueName: 'bps', description: 'taker fee, basis points', defaultText: '5' },
  'latency-ms': { type: 'string', valueName: 'ms', description: 'venue latency', defaultText: '50' },
  'tick-ms': { type: 'string', valueName: 'ms', description: 'decision tick', defaultText: '1000' },
  policy: {
    type: 'string',
    valueName: 'json',
    description:
      'child-order policy settings over the default (nested objects over the default\'s own), e.g. {"clipsPerSlice":2} or {"imbalance":{"withdraw":0.3}} (a queue-imbalance rule; the others stay off)',
    defaultText: 'the default policy',
  },
  resamples: { type: 'string', valueName: 'n', description: 'bootstrap resamples', defaultText: '2000' },
  seed: { type: 'string', valueName: 'n', description: 'bootstrap PRNG seed', defaultText: '1' },
  jobs: {
    type: 'string',
    valueName: 'n',
    description: 'windows run in parallel (child processes)',
    defaultText: 'number of CPUs',
  },
  quick: {
    type: 'boolean',
    description: `small run: --durations ${QUICK.durations} --sizes ${QUICK.sizes} --max-windows ${QUICK.maxWindows} --resamples ${QUICK.resamples} unless given`,
  },
  out: {
    type: 'string',
    valueName: 'dir',
    description: 'also write twap-eval.json and twap-eval.html there',
  },
} as const satisfies OptionSpecs;

const NOTES = [
  'diff = baseline cost − hybrid cost (bps); positive means the maker-first TWAP was cheaper.',
  'fee-neutral diff: both costs recomputed from the fills with the maker fee set to the taker fee (the policy never reads fees, so the fills are the same).',
  'On quote-only data the volume is estimated from the touch (the displayed size that left the best bid/ask between snapshots): cancellations inflate it, trades refilled or swept past the touch within a second deflate it, so it is an estimate, not a bound (91 BTC/min on the 2026-01-01/02 BBO; the 2024 USD-M tapes traded 140–200 BTC/min).',
  '95 % CI: percentile bootstrap of the mean (seeded PRNG, resamples as set); runs within a window share the market path, so the interval is optimistic where windows are few.',
  'Markouts: (mid at fill time + h − fill price) / fill price of the hybrid’s maker fills, signed so positive is good for us; mid is the quote mid, or the last print on tape-only data.',
];

export const twapEvalCommand: Command = {
  options: OPTIONS,
  description:
    'Example: keel twap-eval --quick --out /tmp/twap-eval (docs/twap-eval.md). Progress on stderr; --json prints the whole result.',
  run: async (args, io) => {
    const f = parseFlags(joinNegativeValues(args), OPTIONS);
    const quick = f.quick === true;
    const durations = parseDurations(f.durations ?? (quick ? QUICK.durations : DEFAULT_DURATIONS));
    if (durations.ms.length === 0 && !durations.longest)
      throw bad('durations', f.durations, 'must name at least one duration');
    const sizesPct = parseSizes(f.sizes ?? (quick ? QUICK.sizes : DEFAULT_SIZES));
    const maxWindows = intFlag('max-windows', f['max-windows'], quick ? QUICK.maxWindows : 12);
    const maxGapMs = durationMs('max-gap', f['max-gap'] ?? '60s', f['max-gap']);
    const resamples = intFlag('resamples', f.resamples, quick ? QUICK.resamples : 2000, 100);
    const seed = intFlag('seed', f.seed, 1, 0);
    const jobs = intFlag('jobs', f.jobs, availableParallelism());
    const settings: EvalSettings = {
      sizesPct,
      makerBps: numberFlag('maker-bps', f['maker-bps'], 2),
      takerBps: numberFlag('taker-bps', f['taker-bps'], 5),
      latencyMs: intFlag('latency-ms', f['latency-ms'], 50, 0),
      tickMs: intFlag('tick-ms', f['tick-ms'], 1000),
      leadInMs: LEAD_IN_MS,
      ...(f.policy === undefined ? {} : { policy: parsePolicy(f.policy) }),
    };
    if (durations.ms.some((d) => d / settings.tickMs < 2))
      throw bad(
        'durations',
        f.durations,
        `must leave each of 2 slices at least one tick (${settings.tickMs} ms)`,
      );
    const dataPaths = f.data && f.data.length > 0 ? f.data : [join(workspaceRoot(), '../shared/data/market')];
    const files = await expandDataPaths(dataPaths);
    if (E.isLeft(files)) throw bad('data', dataPaths.join(' '), `cannot be read: ${files.left}`);
    if (files.right.length === 0) throw bad('data', dataPaths.join(' '), 'holds no .csv or .csv.gz files');
    // As keel twap-sim: a larger young generation cuts the scavenges of many short-lived decimals.
    setFlagsFromString('--max-semi-space-size=64');

    const t0 = performance.now();
    const { markets, skipped } = await loadMarkets(files.right, (m) => io.progress(m));
    const loadSeconds = Math.round(performance.now() - t0) / 1000;
    if (markets.length === 0)
      throw bad(
        'data',
        dataPaths.join(' '),
        `holds no replayable market data (${skipped.map((s) => s.reason).join('; ')})`,
      );

    let nextId = 0;
    const loaded = new Map<string, LoadedMarket>();
    const plans: MarketPlan[] = [];
    const tasks: WindowTask[] = [];
    for (const m of markets) {
      const lm = withInstrument(m);
      loaded.set(m.name, lm);
      const p = planMarket(
        m,
        lm.instrument,
        {
          durationsMs: durations.ms,
          withLongest: durations.longest,
          maxWindows,
          maxGapMs,
          leadInMs: LEAD_IN_MS,
        },
        () => nextId++,
        lm.depthScale,
      );
      plans.push(p.plan);
      tasks.push(...p.tasks);
      io.progress(
        `twap-eval: ${m.name}: ${p.plan.durations.map((d) => `${d.duration}×${d.windows}`).join(', ') || 'no window fits'}`,
      );
    }
    if (tasks.length === 0) throw bad('durations', f.durations, 'fit no window of the data');
    const simulatedMs = tasks.reduce((a, t) => a + t.durationMs, 0) * sizesPct.length * 2;
    const workers = Math.min(jobs, tasks.length);
    io.progress(
      `twap-eval: ${tasks.length} windows × ${sizesPct.length} sizes × 2 sides on ${workers} ${workers === 1 ? 'process' : 'worker processes'} (${Math.round(simulatedMs / 3_600_000)} h simulated per style)`,
    );

    // With --out, every window's runs are appended as they finish: a long evaluation that is
    // stopped still leaves what it measured.
    const partial = f.out === undefined ? undefined : join(f.out, 'twap-eval.runs.jsonl');
    if (f.out !== undefined && partial !== undefined) {
      await mkdir(f.out, { recursive: true });
      writeFileSync(partial, '');
    }
    const results = new Map<number, WindowResult>();
    const r0 = performance.now();
    // Longest windows first: the pool then ends with short ones and no worker idles long.
    const order = [...tasks].sort((a, b) => b.durationMs - a.durationMs || a.id - b.id);
    await runTasks(
      order,
      loaded,
      settings,
      workers,
      () => performance.now(),
      (task, r) => {
        results.set(task.id, r);
        if (partial !== undefined && r.records.length > 0)
          appendFileSync(partial, r.records.map((x) => `${JSON.stringify(x)}\n`).join(''));
        const elapsed = (performance.now() - r0) / 1000;
        io.progress(
          `twap-eval: ${results.size}/${tasks.length} ${task.market} ${durationLabel(task.durationMs)} ${new Date(task.start).toISOString()}: ${r.records.length} runs in ${(r.wallMs / 1000).toFixed(1)} s (${elapsed.toFixed(0)} s elapsed)`,
        );
      },
    );
    const wallSeconds = Math.round(performance.now() - r0) / 1000;

    const runs: RunRecord[] = [];
    const skippedRuns: SkippedRun[] = [];
    for (const t of tasks) {
      const r = results.get(t.id);
      if (!r) continue;
      runs.push(...r.records);
      skippedRuns.push(...r.skipped);
    }
    const boot = { resamples, seed };
    const buckets = summarizeBuckets(runs, sizesPct, boot);
    const report: TwapEvalReport = {
      generatedAt: new Date().toISOString(),
      settings: {
        data: dataPaths,
        durations: durations.ms.map(durationLabel).concat(durations.longest ? ['longest'] : []),
        sizesPct,
        maxWindows,
        maxGapSeconds: maxGapMs / 1000,
        leadInSeconds: LEAD_IN_MS / 1000,
        makerBps: settings.makerBps,
        takerBps: settings.takerBps,
        latencyMs: settings.latencyMs,
        tickMs: settings.tickMs,
        policy: { ...DEFAULT_POLICY, ...settings.policy },
        urgency: 'normal',
        slices: 'one per 5 minutes, at least 2',
        bootstrap: { method: 'percentile bootstrap of the mean', level: 0.95, resamples, seed },
        jobs: workers,
      },
      notes: NOTES,
      timing: {
        loadSeconds,
        wallSeconds,
        windows: tasks.length,
        runs: runs.length,
        simulatedHoursPerStyle: Math.round((simulatedMs / 3_600_000) * 10) / 10,
      },
      markets: plans,
      skipped,
      skippedRuns,
      buckets,
      groups: summarizeGroups(runs, boot),
      runs,
    };
    if (f.out !== undefined) {
      await mkdir(f.out, { recursive: true });
      await writeFile(join(f.out, 'twap-eval.json'), `${JSON.stringify(report, null, 2)}\n`);
      const members = new Map(bucketsOf(sizesPct).map((b) => [b.name, runs.filter((r) => b.has(r.sizePct))]));
      await writeFile(
        join(f.out, 'twap-eval.html'),
        renderHtml({
          generatedAt: report.generatedAt,
          settings: report.settings,
          buckets,
          groups: report.groups,
          runs,
          bucketMembers: (b) => members.get(b) ?? [],
          notes: NOTES,
        }),
      );
      io.progress(`twap-eval: wrote ${join(f.out, 'twap-eval.json')} and twap-eval.html`);
    }
    io.result(report, () => humanReport(report));
    return 0;
  },
};

/** The worker side of `--jobs`: windows on stdin, results on stdout, one JSON line each (twap-eval.pool.ts). */
export const twapEvalWorkerCommand: Command = {
  options: {},
  run: async (args) => {
    // It takes no arguments (its work comes on stdin): anything given is a usage error.
    if (args.length > 0)
      throw new UsageError(`twap-eval-worker takes no arguments (got ${JSON.stringify(args[0])})`);
    setFlagsFromString('--max-semi-space-size=64');
    await workerLoop(
      process.stdin,
      (line) => process.stdout.write(`${line}\n`),
      () => performance.now(),
    );
    return 0;
  },
};
