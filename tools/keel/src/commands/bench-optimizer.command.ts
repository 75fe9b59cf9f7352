/**
 * `keel bench optimizer [--symbols 500] [--accounts 200] [--models 5] [--strategies 6]
 * [--venues 2] [--symbols-per-account K] [--seed 1] [--runs 20] [--predictions 200] [--json]`:
 * what the optimizer's pure core (@keel/portfolio-domain) costs on a synthetic world
 * (bench-optimizer.world.ts; every account trades every symbol unless --symbols-per-account).
 *
 * - `fullPassMs`: `rebalance(cfg, state, now, FULL_PASS)` — the pass the optimizer runs on every
 *   tick — in the steady state: the world's decisions of a first pass (every target new, timed
 *   apart as `firstPass`) are recorded and folded back, so the pass finds its targets set.
 *   Median and p90 over `runs` after a warm-up.
 * - `burstPerPredictionUs`: 100 predictions folded and decided by one pass scoped to their
 *   instruments (the engine batches predictions that arrive while a pass runs), per prediction.
 * - `incrementalPerPredictionUs`: one new prediction (a random model and symbol): fold it
 *   (`evolveOptimizer`) and `rebalance` scoped to its instrument; median over `predictions`
 *   after a warm-up. Its decisions are folded back (not timed), as the engine would see them.
 * - `storeReadsPerRebalance`: the optimizer combines once per (strategy, symbol) per pass
 *   (`stats.combined`); the baseline, counted in the same run, is the pre-optimizer design —
 *   one engine per (symbol, account) reading its symbol's predictions and combining them for
 *   each of its account's strategies: one `combine` per (account, strategy, symbol).
 * - Baseline times, same run: that baseline's combines against the optimizer's (`combineMs`), and
 *   a whole pass without sharing (`baselineFullPassMs`: `rebalance` once per account, each with
 *   a one-account configuration, so it combines per (account, strategy, symbol) and sizes the
 *   same way; its decisions are checked equal to the optimizer's on the first pass).
 */
import * as os from 'node:os';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, RecordedEvent } from '@keel/events';
import {
  combine,
  Decision,
  evolveOptimizer,
  FULL_PASS,
  initialOptimizerState,
  OPTIMIZER_APP,
  OptimizerConfig,
  OptimizerConfigText,
  OptimizerState,
  priceAt,
  priceKey,
  rebalance,
  resolveOptimizerConfig,
} from '@keel/portfolio-domain';
import { intFlag, parseFlags } from '../cli.io';
import { buildWorld, World } from './bench-optimizer.world';
import type { Command, OptionSpecs } from './command';
import { msSince, nowNs, quantile, r2, timeRuns } from './bench.timing';

const GOAL_FULL_PASS_MS = 20;

const resolved = (doc: OptimizerConfigText): OptimizerConfig => {
  const c = resolveOptimizerConfig(doc);
  if (E.isLeft(c)) throw new Error(`bench optimizer: the configuration does not resolve: ${c.left.message}`);
  return c.right;
};

/** The optimizer's decisions as the store would hand them back (its own id derivation). */
const recorded = (w: World, ds: readonly Decision[]): RecordedEvent[] =>
  ds.map((d) =>
    w.record(d.type, d.stream, d.data as EventData<typeof d.type>, deriveId(OPTIMIZER_APP, ...d.idParts)),
  );

const countByType = (ds: readonly Decision[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const d of ds) out[d.type] = (out[d.type] ?? 0) + 1;
  return out;
};

const OPTIONS = {
  symbols: {
    type: 'string',
    valueName: 'n',
    description: 'symbols in the synthetic world',
    defaultText: '500',
  },
  accounts: { type: 'string', valueName: 'n', description: 'accounts', defaultText: '200' },
  models: { type: 'string', valueName: 'n', description: 'models sending predictions', defaultText: '5' },
  strategies: { type: 'string', valueName: 'n', description: 'strategies combining them', defaultText: '6' },
  venues: { type: 'string', valueName: 'n', description: 'venues', defaultText: '2' },
  'symbols-per-account': {
    type: 'string',
    valueName: 'n',
    description: 'symbols each account trades',
    defaultText: 'every symbol',
  },
  seed: { type: 'string', valueName: 'n', description: 'random seed of the world', defaultText: '1' },
  runs: {
    type: 'string',
    valueName: 'n',
    description: 'timed full passes (median and p90)',
    defaultText: '20',
  },
  predictions: {
    type: 'string',
    valueName: 'n',
    description: 'timed single predictions',
    defaultText: '200',
  },
} as const satisfies OptionSpecs;

export const benchOptimizerCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const symbols = intFlag('symbols', flags.symbols, 500);
    const accounts = intFlag('accounts', flags.accounts, 200);
    const models = intFlag('models', flags.models, 5);
    const strategies = intFlag('strategies', flags.strategies, 6);
    const venues = intFlag('venues', flags.venues, 2);
    const spa =
      flags['symbols-per-account'] === undefined
        ? null
        : intFlag('symbols-per-account', flags['symbols-per-account'], symbols);
    const seed = intFlag('seed', flags.seed, 1, 0);
    const runs = intFlag('runs', flags.runs, 20);
    const predictions = intFlag('predictions', flags.predictions, 200);

    io.progress(
      `bench optimizer: ${symbols} symbols at ${venues} venue(s), ${accounts} accounts trading ${spa === null ? 'every symbol' : `${spa} symbols each`}, ${models} models, ${strategies} strategies, seed ${seed}`,
    );
    const t0 = nowNs();
    const w = buildWorld({ seed, symbols, accounts, models, strategies, venues, symbolsPerAccount: spa });
    const cfg = resolved(w.doc);
    const now = w.now;
    let state: OptimizerState = w.events.reduce(evolveOptimizer, initialOptimizerState);
    const buildMs = msSince(t0);
    io.progress(`bench optimizer: ${w.events.length} events folded in ${(buildMs / 1000).toFixed(1)} s`);

    // First pass: nothing set yet, every (account, symbol) decided afresh.
    const firstTimes = timeRuns(0, Math.min(runs, 5), () => rebalance(cfg, state, now, FULL_PASS));
    const first = rebalance(cfg, state, now, FULL_PASS);

    // Per-account configurations for the baseline pass; its decisions must be the optimizer's.
    const perAccount = [...cfg.accounts.keys()].map((id) =>
      resolved({
        ...w.doc,
        accounts: { [id]: w.doc.accounts[id] as OptimizerConfigText['accounts'][string] },
      }),
    );
    const key = (d: Decision): string => JSON.stringify([d.stream, d.type, d.idParts, d.data]);
    const optimizerFirst = first.decisions.map(key).sort();
    const baselineFirst = perAccount
      .flatMap((c) => rebalance(c, state, now, FULL_PASS).decisions.map(key))
      .sort();
    const baselineSameDecisions =
      optimizerFirst.length === baselineFirst.length &&
      optimizerFirst.every((k, j) => k === baselineFirst[j]);

    // The steady state: what the first pass decided is recorded (fold it back until a pass decides nothing new).
    let pending = first.decisions;
    for (let k = 0; k < 3 && pending.length > 0; k++) {
      state = recorded(w, pending).reduce(evolveOptimizer, state);
      pending = rebalance(cfg, state, now, FULL_PASS).decisions;
    }
    const steady = state;

    io.progress(`bench optimizer: timing the full pass (${runs} runs after 3 warm-up)`);
    let full = rebalance(cfg, steady, now, FULL_PASS);
    const fullTimes = timeRuns(3, runs, () => (full = rebalance(cfg, steady, now, FULL_PASS)));

    // Reads: the optimizer's combines per pass vs one engine per (symbol, account).
    let sink = 0;
    let baselineReads = 0;
    for (const acc of cfg.accounts.values()) baselineReads += acc.instruments.length * acc.budgets.size;
    const baselineCombine = (): void => {
      for (const acc of cfg.accounts.values())
        for (const i of acc.instruments)
          for (const name of acc.budgets.keys()) {
            const st = cfg.strategies.get(name);
            if (st !== undefined) sink += combine(cfg, steady, st, i, now).signal;
          }
    };
    const pairs: [NonNullable<ReturnType<typeof cfg.strategies.get>>, string][] = [];
    const seen = new Set<string>();
    for (const acc of cfg.accounts.values())
      for (const name of acc.budgets.keys())
        for (const i of acc.instruments) {
          const st = cfg.strategies.get(name);
          if (st === undefined || seen.has(`${name} ${i}`)) continue;
          seen.add(`${name} ${i}`);
          pairs.push([st, i]);
        }
    const optimizerCombine = (): void => {
      for (const [st, i] of pairs) sink += combine(cfg, steady, st, i, now).signal;
    };
    const combineRuns = Math.max(5, Math.min(runs, 10));
    const baselineCombineTimes = timeRuns(1, combineRuns, baselineCombine);
    const optimizerCombineTimes = timeRuns(1, combineRuns, optimizerCombine);

    io.progress(`bench optimizer: timing the baseline pass (rebalance once per account)`);
    let baselineCombined = 0;
    const baselinePass = (): void => {
      baselineCombined = 0;
      for (const c of perAccount) baselineCombined += rebalance(c, steady, now, FULL_PASS).stats.combined;
    };
    const baselineTimes = timeRuns(1, Math.max(3, Math.min(runs, 7)), baselinePass);

    // Incremental: one new prediction at a time, folded and decided for its instrument.
    io.progress(`bench optimizer: timing ${predictions} new predictions (after 20 warm-up)`);
    const foldUs: number[] = [];
    const rebalanceUs: number[] = [];
    const totalUs: number[] = [];
    let incDecisions = 0;
    let incSized = 0;
    let incCombined = 0;
    let s = steady;
    /** A new prediction of a random model for a random symbol, its id from `tag`. */
    const newPrediction = (
      ...tag: readonly (string | number)[]
    ): { e: RecordedEvent; instrument: string } => {
      const instrument = w.symbols[Math.floor(w.random() * w.symbols.length)] as string;
      const modelId = w.modelIds[Math.floor(w.random() * w.modelIds.length)] as string;
      const predictionId = deriveId('keel-bench-optimizer', seed, ...tag);
      const e = w.record('PredictionReceived', `prediction-${predictionId}`, {
        predictionId,
        modelId,
        instrument,
        kind: 'signal',
        value: Math.round((w.random() * 2 - 1) * 1e4) / 1e4,
        confidence: Math.round((0.3 + 0.7 * w.random()) * 100) / 100,
        horizonSec: 900,
        generatedAt: new Date(now).toISOString(),
        ttlSec: 900,
        market: null,
      });
      return { e, instrument };
    };
    for (let k = 0; k < predictions + 20; k++) {
      const { e, instrument } = newPrediction('incremental', k);
      const t = nowNs();
      const folded = evolveOptimizer(s, e);
      const t1 = nowNs();
      const r = rebalance(cfg, folded, now, { instruments: new Set([instrument]), accounts: null });
      const t2 = nowNs();
      s = recorded(w, r.decisions).reduce(evolveOptimizer, folded);
      if (k < 20) continue;
      foldUs.push(Number(t1 - t) / 1e3);
      rebalanceUs.push(Number(t2 - t1) / 1e3);
      totalUs.push(Number(t2 - t) / 1e3);
      incDecisions += r.decisions.length;
      incSized += r.stats.sized;
      incCombined += r.stats.combined;
    }

    // A burst, as the engine decides it: predictions that arrive while a pass runs are folded and
    // decided together by the next pass (one pass scoped to all their instruments).
    const BURST = 100;
    io.progress(`bench optimizer: timing bursts of ${BURST} predictions decided by one pass`);
    const burstUs: number[] = [];
    for (let round = 0; round < 6; round++) {
      const t = nowNs();
      const instruments = new Set<string>();
      for (let k = 0; k < BURST; k++) {
        const { e, instrument } = newPrediction('burst', round, k);
        instruments.add(instrument);
        s = evolveOptimizer(s, e);
      }
      const r = rebalance(cfg, s, now, { instruments, accounts: null });
      const elapsed = Number(nowNs() - t) / 1e3;
      s = recorded(w, r.decisions).reduce(evolveOptimizer, s);
      if (round > 0) burstUs.push(elapsed / BURST);
    }

    // A quote folded (the optimizer follows every venue's quotes): its cost grows with the state.
    const quoteFoldUs: number[] = [];
    for (let k = 0; k < predictions + 20; k++) {
      const instrument = w.symbols[Math.floor(w.random() * w.symbols.length)] as string;
      const venue = `venue${1 + Math.floor(w.random() * venues)}`;
      const mid = (priceAt(s, priceKey(venue, instrument))?.mid ?? 1) * (1 + (w.random() - 0.5) * 1e-4);
      const e = w.record('QuoteUpdated', `market-${venue}-${instrument}`, {
        venue,
        instrument,
        bidPrice: mid.toFixed(10),
        bidQty: '1',
        askPrice: (mid * 1.0001).toFixed(10),
        askQty: '1',
        venueAt: new Date(now - 500).toISOString(),
      });
      const t = nowNs();
      s = evolveOptimizer(s, e);
      if (k >= 20) quoteFoldUs.push(Number(nowNs() - t) / 1e3);
    }

    const fullPassMs = quantile(fullTimes, 0.5);
    const ratio = baselineReads / full.stats.combined;
    const result = {
      symbols,
      accounts,
      models,
      strategies,
      venues,
      symbolsPerAccount: spa ?? symbols,
      seed,
      events: w.events.length,
      buildSeconds: r2(buildMs / 1000),
      fullPassMs: r2(fullPassMs),
      fullPassP90Ms: r2(quantile(fullTimes, 0.9)),
      fullPassRuns: runs,
      decisions: full.decisions.length,
      stats: full.stats,
      firstPass: {
        ms: r2(quantile(firstTimes, 0.5)),
        decisions: first.decisions.length,
        byType: countByType(first.decisions),
      },
      incrementalPerPredictionUs: Math.round(quantile(totalUs, 0.5)),
      incrementalP90Us: Math.round(quantile(totalUs, 0.9)),
      /** Per prediction when a burst of 100 is folded and decided by one pass (what the engine does under load). */
      burstPerPredictionUs: Math.round(quantile(burstUs, 0.5)),
      incremental: {
        predictions,
        foldUs: Math.round(quantile(foldUs, 0.5)),
        quoteFoldUs: Math.round(quantile(quoteFoldUs, 0.5)),
        rebalanceUs: Math.round(quantile(rebalanceUs, 0.5)),
        decisionsPerPrediction: r2(incDecisions / predictions),
        sizedPerPrediction: Math.round(incSized / predictions),
        combinedPerPrediction: Math.round(incCombined / predictions),
      },
      storeReadsPerRebalance: {
        optimizer: full.stats.combined,
        perSymbolAccountBaseline: baselineReads,
        ratio: r2(ratio),
        /** (symbol, account) engines of the baseline: each reads its symbol's predictions. */
        perSymbolAccountEngines: [...cfg.accounts.values()].reduce((n, a) => n + a.instruments.length, 0),
      },
      combineMs: {
        optimizer: r2(quantile(optimizerCombineTimes, 0.5)),
        baseline: r2(quantile(baselineCombineTimes, 0.5)),
        ratio: r2(quantile(baselineCombineTimes, 0.5) / quantile(optimizerCombineTimes, 0.5)),
      },
      baselineFullPassMs: r2(quantile(baselineTimes, 0.5)),
      baselineVsFullPass: r2(quantile(baselineTimes, 0.5) / fullPassMs),
      baselineCombined,
      baselineSameDecisions,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        node: process.version,
        loadavg: os.loadavg().map((l) => r2(l)),
      },
      goal: { fullPassMs: GOAL_FULL_PASS_MS, met: fullPassMs <= GOAL_FULL_PASS_MS },
      checksum: Number.isFinite(sink),
    };
    if (!baselineSameDecisions)
      io.progress(
        'bench optimizer: WARNING: the per-account baseline decided differently from the optimizer',
      );
    io.result(result, () =>
      [
        `${symbols} symbols × ${accounts} accounts, ${models} models, ${strategies} strategies (seed ${seed}); load ${result.machine.loadavg.join(' ')}`,
        `full pass: ${result.fullPassMs} ms median, p90 ${result.fullPassP90Ms} ms (${result.decisions} decisions; first pass ${result.firstPass.ms} ms, ${result.firstPass.decisions} decisions) — goal ≤ ${GOAL_FULL_PASS_MS} ms ${result.goal.met ? 'met' : 'NOT met'}`,
        `per new prediction: ${result.incrementalPerPredictionUs} µs median, p90 ${result.incrementalP90Us} µs (fold ${result.incremental.foldUs} µs, rebalance ${result.incremental.rebalanceUs} µs; sizes ${result.incremental.sizedPerPrediction} (account, symbol)); a quote folds in ${result.incremental.quoteFoldUs} µs; in a burst of 100 decided by one pass: ${result.burstPerPredictionUs} µs a prediction`,
        `combines per pass: ${result.storeReadsPerRebalance.optimizer} vs ${result.storeReadsPerRebalance.perSymbolAccountBaseline} for one engine per (symbol, account): ${result.storeReadsPerRebalance.ratio}× fewer`,
        `baseline pass (no sharing): ${result.baselineFullPassMs} ms (${result.baselineVsFullPass}× the full pass); combines alone ${result.combineMs.baseline} ms vs ${result.combineMs.optimizer} ms`,
      ].join('\n'),
    );
    return 0;
  },
};
