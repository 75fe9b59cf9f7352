/**
 * Properties of the decision pass over random worlds (fast-check): two accounts with random
 * leverage, budgets and caps, three instruments (BTC and ETH perpetuals, CME:MES), two models
 * sending random signals and weights while prices and equity move. Every pass's decisions are
 * recorded back (through the catalog's validation) before the next, as the engine does.
 *
 * - no cap is ever exceeded: an emitted target within its instrument's maxQty and maxNotional,
 *   the account's book of targets within its gross and net leverage, at the sizing price;
 * - HALTED never sets a target; with a kill switch engaged no target grows in absolute value;
 * - the same log gives the same decisions (fold twice, decide twice);
 * - recording a pass's decisions and deciding again at the same instant decides nothing; with
 *   pre-trade checks it settles within a few passes (a refused change may resume from a target
 *   a cap cut).
 */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { OptimizerConfig } from './optimizer.config';
import { evolveOptimizer, initialOptimizerState, OptimizerState } from './optimizer.state';
import { Decision, priceOf, rebalance, Rebalance, rulesOf } from './rebalance';
import {
  BTC,
  config,
  equity,
  ETH,
  killSwitch,
  listed,
  mapped,
  MES,
  MIN,
  ofType,
  prediction,
  quote,
  rules,
  t,
  Tape,
  volSeries,
} from '../testing/optimizer.fixtures';

const T0 = t('2026-03-02T15:00:00Z'); // Monday, CME open for hours after
const INSTRUMENTS = [BTC, ETH, MES] as const;
const BASE: Record<string, number> = { [BTC]: 50_000, [ETH]: 2_500, [MES]: 5_000 };
const VOLS = [0.5, 0.8, 0.15];
const ACCOUNTS = ['a1', 'a2'] as const;
const RUNS = 100;

// ---- the world -----------------------------------------------------------------------------

interface Step {
  readonly dtMin: number;
  /** Log price moves, one per instrument. */
  readonly moves: readonly number[];
  /** Log equity moves, one per account. */
  readonly equityMoves: readonly number[];
  readonly predictions: readonly {
    readonly modelId: 'm1' | 'm2';
    readonly instrument: (typeof INSTRUMENTS)[number];
    readonly kind: 'signal' | 'weight';
    readonly value: number;
    readonly confidence: number | null;
    readonly ttlSec: number | null;
  }[];
}

/**
 * A number in [min, max] on a grid of 1/1000 of the range (fc.double favours denormals and
 * bounds, which say little about money).
 */
const num = (min: number, max: number): fc.Arbitrary<number> =>
  fc.integer({ min: 0, max: 1_000 }).map((k) => min + ((max - min) * k) / 1_000);

const price = (x: number): number => Math.round(x * 100) / 100;
const decimalText = (x: number): string => new Decimal(x).toDecimalPlaces(3).toFixed();

const arbAccount = fc.record({
  strategies: fc.record({ s: fc.record({ budget: num(0.1, 1) }) }),
  leverage: num(0.25, 4),
  maxGrossLeverage: fc.option(num(0.2, 3), { nil: undefined }),
  maxNetLeverage: fc.option(num(0.1, 2), { nil: undefined }),
  dailyLossLimit: fc.option(num(0.05, 0.3), { nil: undefined, freq: 2 }),
  maxDrawdown: fc.option(num(0.1, 0.4), { nil: undefined, freq: 2 }),
  drawdownScaling: fc.option(fc.record({ start: num(0, 0.1), full: num(0.15, 0.4), floor: num(0, 1) }), {
    nil: undefined,
    freq: 2,
  }),
  limits: fc.record(
    {
      [BTC]: fc.record(
        {
          maxQty: fc.integer({ min: 1, max: 5_000 }).map((l) => decimalText(l / 1_000)),
          maxNotional: fc.integer({ min: 100, max: 400_000 }).map(String),
        },
        { requiredKeys: [] },
      ),
      [ETH]: fc.record(
        {
          maxQty: fc.integer({ min: 1, max: 5_000 }).map((l) => decimalText(l / 100)),
          maxNotional: fc.integer({ min: 100, max: 400_000 }).map(String),
        },
        { requiredKeys: [] },
      ),
      [MES]: fc.record(
        {
          maxQty: fc.integer({ min: 0, max: 20 }).map(String),
          maxNotional: fc.integer({ min: 10_000, max: 400_000 }).map(String),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  ),
});

const arbDecay = fc.constantFrom<unknown>('none', 'linear', { halfLifeSec: 600 });

const arbConfigDoc = (opts: { preTrade: boolean }) =>
  fc.record({
    models: fc.record({ m1: fc.record({ decay: arbDecay }), m2: fc.record({ decay: arbDecay }) }),
    strategies: fc.record({
      s: fc.record({
        models: fc.record({
          m1: num(0.1, 3),
          m2: num(0.1, 3),
        }),
        method: fc.constantFrom('signal' as const, 'riskParity' as const),
        volTarget: fc.option(num(0.05, 1), { nil: null }),
        maxVolScale: num(0.5, 4),
      }),
    }),
    instruments: fc.constant({ [BTC]: {}, [ETH]: {}, [MES]: {} }),
    accounts: fc.record({ a1: arbAccount, a2: arbAccount }),
    risk: fc.record({
      deadband: num(0, 0.03),
      hysteresis: num(0, 0.49),
      killSwitch: fc.constantFrom('freeze' as const, 'flatten' as const),
      ...(opts.preTrade
        ? {
            maxTargetNotional: fc.option(fc.integer({ min: 1_000, max: 500_000 }).map(String), { nil: null }),
            maxChangePerRebalance: fc.option(num(0.05, 2), { nil: null }),
          }
        : {}),
    }),
  });

const arbStep: fc.Arbitrary<Step> = fc.record({
  dtMin: fc.integer({ min: 1, max: 20 }),
  moves: fc.array(num(-0.05, 0.05), { minLength: 3, maxLength: 3 }),
  equityMoves: fc.array(num(-0.1, 0.1), { minLength: 2, maxLength: 2 }),
  predictions: fc.array(
    fc.record({
      modelId: fc.constantFrom('m1' as const, 'm2' as const),
      instrument: fc.constantFrom(...INSTRUMENTS),
      kind: fc.constantFrom('signal' as const, 'weight' as const),
      value: num(-1.5, 1.5),
      confidence: fc.option(num(0, 1), { nil: null }),
      ttlSec: fc.option(fc.integer({ min: 60, max: 3_600 }), { nil: null }),
    }),
    { minLength: 1, maxLength: 5 },
  ),
});

interface Kill {
  readonly atStep: number;
  readonly accountId: 'a1' | null;
}

interface World {
  readonly doc: unknown;
  /** Each account's first equity. */
  readonly equities: readonly number[];
  readonly steps: readonly Step[];
  readonly kill: Kill | null;
}

const arbWorld = (opts: { preTrade: boolean; kill: boolean }): fc.Arbitrary<World> =>
  fc.record({
    doc: arbConfigDoc(opts),
    equities: fc.array(fc.integer({ min: 5_000, max: 500_000 }), { minLength: 2, maxLength: 2 }),
    steps: fc.array(arbStep, { minLength: 1, maxLength: 5 }),
    kill: opts.kill
      ? fc.record({ atStep: fc.integer({ min: 0, max: 4 }), accountId: fc.constantFrom('a1' as const, null) })
      : fc.constant(null),
  });

/** What a check sees after each pass. */
interface Seen {
  readonly cfg: OptimizerConfig;
  readonly before: OptimizerState;
  readonly after: OptimizerState;
  readonly now: number;
  readonly pass: Rebalance;
  readonly tape: Tape;
}

/** Play a world: facts, then a pass (recorded), per step; `check` after each pass. */
const play = (w: World, check: (seen: Seen) => void): Tape => {
  const cfg = config(w.doc);
  const tape = new Tape()
    .add('InstrumentsListed', listed([...ACCOUNTS], [rules(BTC), rules(ETH, { lotSize: '0.01' })]), T0 - MIN)
    .add('ContractMapped', mapped('MES', 'MESM6', T0 - MIN), T0 - MIN);
  // An hour-old volatility history, so vol targeting and risk parity have something to use.
  INSTRUMENTS.forEach((i, n) =>
    i === MES
      ? volSeries(tape, 'MESM6', BASE[i] ?? 1, VOLS[n] ?? 0.1, T0 - 13 * MIN, 13, 'cme')
      : volSeries(tape, i, BASE[i] ?? 1, VOLS[n] ?? 0.1, T0 - 13 * MIN),
  );
  const mids = { ...BASE };
  const equities = [...w.equities];
  let now = T0;
  w.steps.forEach((step, k) => {
    now += step.dtMin * MIN;
    INSTRUMENTS.forEach((i, n) => {
      mids[i] = price((mids[i] ?? 1) * Math.exp(step.moves[n] ?? 0));
      tape.add(
        'QuoteUpdated',
        i === MES ? quote('MESM6', mids[i] ?? 1, now, 'cme') : quote(i, mids[i] ?? 1, now),
        now,
      );
    });
    ACCOUNTS.forEach((a, n) => {
      equities[n] = Math.round((equities[n] ?? 1) * Math.exp(step.equityMoves[n] ?? 0));
      tape.add('AccountEquityUpdated', equity(a, equities[n] ?? 1, now), now);
    });
    step.predictions.forEach((p, n) =>
      tape.add('PredictionReceived', prediction({ ...p, generatedAt: now - n }), now),
    );
    if (w.kill !== null && w.kill.atStep === k)
      tape.add('KillSwitchEngaged', killSwitch(w.kill.accountId), now);
    const before = tape.state;
    const pass = tape.pass(cfg, now);
    check({ cfg, before, after: tape.state, now, pass, tape });
  });
  return tape;
};

const lotsOf = (q: string): number => Number(q);
const sets = (d: readonly Decision[]) => ofType(d, 'TargetPositionSet').map((x) => x.data);
const EPS = 1e-9;

// ---- properties ----------------------------------------------------------------------------

describe('optimizer properties', () => {
  it('never exceeds a cap: instrument maxQty / maxNotional, account gross / net leverage', () => {
    fc.assert(
      fc.property(arbWorld({ preTrade: true, kill: true }), (w) => {
        play(w, ({ cfg, after, pass }) => {
          for (const d of sets(pass.decisions)) {
            const acc = cfg.accounts.get(d.accountId);
            const lim = acc?.limits.get(d.instrument);
            const venue = after.venueOf[d.accountId];
            const r = rulesOf(after, venue, d.instrument);
            const mid = priceOf(after, venue, d.instrument)?.mid ?? NaN;
            const qty = Math.abs(lotsOf(d.targetQty));
            if (lim?.maxQty != null) expect(qty).toBeLessThanOrEqual(lim.maxQty * (1 + EPS));
            if (lim?.maxNotional != null && r !== null)
              expect(qty * mid * r.contractSize).toBeLessThanOrEqual(lim.maxNotional * (1 + EPS));
          }
          for (const acc of cfg.accounts.values()) {
            // HALTED holds every target as it stands (no new target is the rule).
            if (
              after.risk.global.state === 'HALTED' ||
              after.risk.accounts[acc.accountId]?.state === 'HALTED'
            )
              continue;
            const eq = after.equity[acc.accountId]?.equity ?? 0;
            const venue = after.venueOf[acc.accountId];
            let gross = 0;
            let net = 0;
            for (const [i, target] of Object.entries(after.targets[acc.accountId] ?? {})) {
              const r = rulesOf(after, venue, i);
              const mid = priceOf(after, venue, i)?.mid ?? NaN;
              const v = Number(target.qty) * mid * (r?.contractSize ?? NaN);
              gross += Math.abs(v);
              net += v;
            }
            if (acc.maxGrossLeverage !== null)
              expect(gross).toBeLessThanOrEqual(acc.maxGrossLeverage * eq * (1 + EPS));
            if (acc.maxNetLeverage !== null)
              expect(Math.abs(net)).toBeLessThanOrEqual(acc.maxNetLeverage * eq * (1 + EPS));
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('HALTED sets no target (a freeze kill switch, a max-drawdown halt)', () => {
    fc.assert(
      fc.property(arbWorld({ preTrade: true, kill: true }), (w) => {
        const doc = w.doc as { risk: object };
        const frozen = { ...w, doc: { ...doc, risk: { ...doc.risk, killSwitch: 'freeze' } } };
        play(frozen, ({ before, pass }) => {
          // The state this pass decides in: what it records now, else what was recorded.
          const changes = ofType(pass.decisions, 'RiskStateChanged').map((d) => d.data);
          const stateOf = (a: string | null): string =>
            changes.find((c) => c.accountId === a)?.to ??
            (a === null ? before.risk.global.state : (before.risk.accounts[a]?.state ?? 'ACTIVE'));
          for (const d of sets(pass.decisions)) {
            expect(stateOf(null)).not.toBe('HALTED');
            expect(stateOf(d.accountId)).not.toBe('HALTED');
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('the kill switch always wins: with one engaged, no target grows in absolute value', () => {
    fc.assert(
      fc.property(arbWorld({ preTrade: true, kill: true }), (w) => {
        play(w, ({ before, pass }) => {
          for (const d of sets(pass.decisions)) {
            if (!before.kill.global && !before.kill.accounts.includes(d.accountId)) continue;
            const cur = Math.abs(Number(before.targets[d.accountId]?.[d.instrument]?.qty ?? '0'));
            expect(Math.abs(lotsOf(d.targetQty))).toBeLessThanOrEqual(cur);
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('the same log gives the same decisions (fold twice, decide twice)', () => {
    fc.assert(
      fc.property(arbWorld({ preTrade: true, kill: true }), (w) => {
        const cfg = config(w.doc);
        const tape = play(w, () => undefined);
        const a = tape.events.reduce(evolveOptimizer, initialOptimizerState);
        const b = tape.events.reduce(evolveOptimizer, initialOptimizerState);
        expect(a).toEqual(tape.state);
        const now = T0 + 2 * 60 * MIN;
        expect(rebalance(cfg, a, now)).toEqual(rebalance(cfg, b, now));
      }),
      { numRuns: RUNS },
    );
  });

  it('recording the decisions and deciding again at the same instant decides nothing', () => {
    fc.assert(
      fc.property(arbWorld({ preTrade: false, kill: true }), (w) => {
        play(w, ({ cfg, after, now }) => {
          expect(rebalance(cfg, after, now).decisions).toEqual([]);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('with pre-trade checks, deciding again at the same instant settles within a few passes', () => {
    // A change a check refused may pass once a cap has cut the current target it is measured
    // from: the next pass sets it (one allowed step a pass is what the checks limit).
    fc.assert(
      fc.property(arbWorld({ preTrade: true, kill: true }), (w) => {
        play(w, ({ cfg, now, tape }) => {
          let passes = 0;
          while (tape.pass(cfg, now).decisions.length > 0) expect(++passes).toBeLessThanOrEqual(3);
        });
      }),
      { numRuns: RUNS },
    );
  });
});
