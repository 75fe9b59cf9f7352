/**
 * Golden scenarios of the optimizer's money maths, one `describe` per named scenario with its
 * fixture: the log is built from recorded events (validated against the catalog), folded with
 * `evolveOptimizer`, and every pass's decisions are recorded back before the next one, as the
 * engine does. The figures in the expectations are worked out by hand in each case's comment.
 */
import * as E from 'fp-ts/Either';
import { lookupProduct } from '@keel/calendar';
import { parseOptimizerConfig, resolveOptimizerConfig } from './optimizer.config';
import { annualVol, ANY_VENUE, priceAt, predictionsOf, priceKey } from './optimizer.state';
import {
  accountStream,
  combine,
  decayAt,
  drawdownScale,
  FULL_PASS,
  GLOBAL_STREAM,
  priceOf,
  rebalance,
} from './rebalance';
import {
  BTC,
  config,
  DAY,
  equity,
  ETH,
  HOUR,
  iso,
  killSwitch,
  listed,
  mapped,
  MES,
  MIN,
  ofType,
  prediction,
  quote,
  rules,
  SEC,
  t,
  Tape,
  targetsOf,
  volSeries,
} from '../testing/optimizer.fixtures';

/** Monday 2026-03-02, 09:00 in Chicago: CME is open. */
const T0 = t('2026-03-02T15:00:00Z');
const only = (...instruments: string[]) => ({ instruments: new Set(instruments), accounts: null });
/** Generous ages: these scenarios are about sizing, not staleness (the bad-input cases test those). */
const RELAXED = { equityMaxAgeSec: 7 * 86_400, priceMaxAgeSec: 7 * 86_400 };

describe('two models, one symbol, two accounts', () => {
  // Combined signal = Σ w·v / Σ w. `big`: equity 100 000, leverage 2, budget 1; `small`: equity
  // 20 000, leverage 1, budget 0.5, BTC notional capped at 5 000 (100 lots of 0.001 at 50 000).
  const cfg = config({
    models: { fast: { decay: 'none' }, slow: { decay: 'none' } },
    strategies: { trend: { models: { fast: 1, slow: 3 } } },
    instruments: { [BTC]: {} },
    accounts: {
      big: { strategies: { trend: { budget: 1 } }, leverage: 2 },
      small: { strategies: { trend: { budget: 0.5 } }, limits: { [BTC]: { maxNotional: '5000' } } },
    },
  });
  const world = () =>
    new Tape()
      .add('InstrumentsListed', listed(['big', 'small'], [rules(BTC)]), T0 - HOUR)
      .add('AccountEquityUpdated', equity('big', 100_000, T0), T0)
      .add('AccountEquityUpdated', equity('small', 20_000, T0), T0)
      .add('QuoteUpdated', quote(BTC, 50_000, T0), T0)
      .add(
        'PredictionReceived',
        prediction({ modelId: 'fast', instrument: BTC, value: 0.8, generatedAt: T0 }),
        T0,
      );

  it('sizes each account from the first model alone: its equity, leverage, budget and caps', () => {
    const r = world().pass(cfg, T0 + SEC, only(BTC));
    // big: 100 000 × 1 × 2 × 0.8 / 50 000 = 3.2 BTC. small: 20 000 × 0.5 × 0.8 = 8 000 → 0.16 BTC,
    // capped at 5 000 / 50 000 = 0.1 BTC.
    expect(targetsOf(r.decisions)).toEqual({ big: { [BTC]: '3.2' }, small: { [BTC]: '0.1' } });
    expect(ofType(r.decisions, 'TargetLimited').map((d) => d.data)).toEqual([
      expect.objectContaining({
        accountId: 'small',
        instrument: BTC,
        wantedQty: '0.16',
        targetQty: '0.1',
        limits: ['instrumentNotional'],
      }),
    ]);
    expect(r.decisions.every((d) => d.stream === accountStream(d.data.accountId ?? ''))).toBe(true);
  });

  it('a second model joins the first (weighted mean), combined once for both accounts', () => {
    const tape = world();
    tape.pass(cfg, T0 + SEC, only(BTC));
    tape.add(
      'PredictionReceived',
      prediction({ modelId: 'slow', instrument: BTC, value: 0.2, generatedAt: T0 + 2 * SEC }),
      T0 + 2 * SEC,
    );
    expect(Object.keys(predictionsOf(tape.state, BTC) ?? {}).sort()).toEqual(['fast', 'slow']);
    const r = tape.pass(cfg, T0 + 3 * SEC, only(BTC));
    // (1 × 0.8 + 3 × 0.2) / 4 = 0.35. big: 100 000 × 2 × 0.35 / 50 000 = 1.4 BTC;
    // small: 20 000 × 0.5 × 0.35 = 3 500 → 0.07 BTC, under its cap now.
    expect(targetsOf(r.decisions)).toEqual({ big: { [BTC]: '1.4' }, small: { [BTC]: '0.07' } });
    expect(ofType(r.decisions, 'TargetLimited')).toEqual([]);
    expect(r.stats).toEqual({ combined: 1, sized: 2 });
  });

  it("a model's late, older prediction changes nothing", () => {
    const tape = world();
    tape.pass(cfg, T0 + SEC, only(BTC));
    tape.add(
      'PredictionReceived',
      prediction({ modelId: 'fast', instrument: BTC, value: -1, generatedAt: T0 - MIN }),
      T0 + 2 * SEC,
    );
    expect(predictionsOf(tape.state, BTC)?.['fast']?.value).toBe(0.8);
    expect(tape.pass(cfg, T0 + 3 * SEC, only(BTC)).decisions).toEqual([]);
  });

  it('confidence weighs a prediction; its weight in the mean stays the model weight', () => {
    const tape = world().add(
      'PredictionReceived',
      prediction({ modelId: 'slow', instrument: BTC, value: 0.2, confidence: 0.5, generatedAt: T0 + SEC }),
      T0 + SEC,
    );
    const trend = cfg.strategies.get('trend');
    if (trend === undefined) throw new Error('no strategy');
    // (1 × 0.8 + 3 × 0.5 × 0.2) / 4 = 0.275
    expect(combine(cfg, tape.state, trend, BTC, T0 + 2 * SEC).signal).toBeCloseTo(0.275, 12);
  });
});

describe('vol targeting', () => {
  // Signal 1, equity 100 000, leverage 1: unscaled notional 100 000 (2 BTC at 50 000), scaled by
  // volTarget / vol, at most maxVolScale.
  const cfg = config({
    models: { m: { decay: 'none' } },
    strategies: { vt: { models: { m: 1 }, volTarget: 0.2, maxVolScale: 3 } },
    instruments: { [BTC]: {} },
    accounts: { acc: { strategies: { vt: { budget: 1 } } } },
  });
  const world = (vol: number, quotes = 13, everyMs = MIN) => {
    const tape = new Tape().add('InstrumentsListed', listed(['acc'], [rules(BTC)]), T0 - HOUR);
    const last = volSeries(tape, BTC, 50_000, vol, T0 - (quotes - 1) * everyMs, quotes, undefined, everyMs);
    return tape
      .add('AccountEquityUpdated', equity('acc', 100_000, last), last)
      .add(
        'PredictionReceived',
        prediction({ modelId: 'm', instrument: BTC, value: 1, generatedAt: last }),
        last,
      );
  };
  const vol = (tape: Tape) => annualVol(BTC, priceOf(tape.state, 'binanceusdm', BTC));

  it('estimates the volatility from one-minute returns (EWMA of squared log returns)', () => {
    expect(vol(world(0.4))).toBeCloseTo(0.4, 9);
    expect(priceAt(world(0.4).state, priceKey('binanceusdm', BTC))?.samples).toBe(11);
  });

  it('scales the target by volTarget / vol: 0.2 / 0.4 halves it', () => {
    const r = world(0.4).pass(cfg, T0 + SEC);
    expect(targetsOf(r.decisions)).toEqual({ acc: { [BTC]: '1' } });
  });

  it('caps the scale at maxVolScale: 0.2 / 0.04 = 5, held to 3', () => {
    const r = world(0.04).pass(cfg, T0 + SEC);
    expect(targetsOf(r.decisions)).toEqual({ acc: { [BTC]: '6' } });
  });

  it('withholds the target while fewer than 10 returns are known', () => {
    const tape = world(0.4, 11); // 11 one-minute quotes: 9 returns
    expect(vol(tape)).toBeNull();
    const r = tape.pass(cfg, T0 + SEC);
    expect(ofType(r.decisions, 'TargetPositionSet')).toEqual([]);
    expect(ofType(r.decisions, 'TargetWithheld').map((d) => d.data.code)).toEqual(['volatilityMissing']);
  });

  it('spreads a return over the buckets it spans: quotes every two minutes give the same vol', () => {
    // The same per-minute volatility sampled every other minute: each return spans two buckets.
    expect(vol(world(0.4, 13, 2 * MIN))).toBeCloseTo(0.4, 9);
  });
});

describe('drawdown scaling', () => {
  // Scale 1 down to a 10 % drawdown, then linear to 0.25 at 30 %. Signal 0.5 at 50 000.
  const cfg = config({
    models: { m: { decay: 'none' } },
    strategies: { s: { models: { m: 1 } } },
    instruments: { [BTC]: {} },
    accounts: {
      acc: { strategies: { s: { budget: 1 } }, drawdownScaling: { start: 0.1, full: 0.3, floor: 0.25 } },
    },
    risk: RELAXED,
  });
  const acc = cfg.accounts.get('acc');
  if (acc === undefined) throw new Error('no account');

  it('is 1 until start, linear to floor at full, floor beyond', () => {
    expect(drawdownScale(acc, 100_000, 100_000)).toBe(1);
    expect(drawdownScale(acc, 90_000, 100_000)).toBe(1);
    expect(drawdownScale(acc, 85_000, 100_000)).toBeCloseTo(0.8125, 12);
    expect(drawdownScale(acc, 80_000, 100_000)).toBeCloseTo(0.625, 12);
    expect(drawdownScale(acc, 70_000, 100_000)).toBeCloseTo(0.25, 12);
    expect(drawdownScale(acc, 10_000, 100_000)).toBe(0.25);
  });

  it('scales the targets as equity falls from its peak, and says so', () => {
    const tape = new Tape()
      .add('InstrumentsListed', listed(['acc'], [rules(BTC)]), T0 - HOUR)
      .add('QuoteUpdated', quote(BTC, 50_000, T0), T0)
      .add('AccountEquityUpdated', equity('acc', 100_000, T0), T0)
      .add(
        'PredictionReceived',
        prediction({ modelId: 'm', instrument: BTC, value: 0.5, generatedAt: T0 }),
        T0,
      );
    const at = (k: number) => T0 + k * MIN;
    const step = (k: number, eq: number) => {
      tape.add('AccountEquityUpdated', equity('acc', eq, at(k)), at(k));
      return tape.pass(cfg, at(k) + SEC).decisions;
    };
    expect(targetsOf(tape.pass(cfg, T0 + SEC).decisions)).toEqual({ acc: { [BTC]: '1' } });
    // 5 %: no scaling. 95 000 × 0.5 / 50 000 = 0.95 BTC.
    const d5 = step(1, 95_000);
    expect(targetsOf(d5)).toEqual({ acc: { [BTC]: '0.95' } });
    expect(ofType(d5, 'TargetLimited')).toEqual([]);
    // 15 %: scale 0.8125. 85 000 × 0.5 × 0.8125 / 50 = 690.6 lots → 691 (0.691 BTC); wanted 0.85.
    const d15 = step(2, 85_000);
    expect(targetsOf(d15)).toEqual({ acc: { [BTC]: '0.691' } });
    expect(ofType(d15, 'TargetLimited').map((d) => d.data)).toEqual([
      expect.objectContaining({ wantedQty: '0.85', targetQty: '0.691', limits: ['drawdownScaling'] }),
    ]);
    // 40 %: the floor. 60 000 × 0.5 × 0.25 / 50 000 = 0.15 BTC.
    const d40 = step(3, 60_000);
    expect(targetsOf(d40)).toEqual({ acc: { [BTC]: '0.15' } });
    expect(ofType(d40, 'TargetLimited')[0]?.data.detail).toContain('drawdown scale 0.25');
    // Back at the peak: unscaled.
    expect(targetsOf(step(4, 100_000))).toEqual({ acc: { [BTC]: '1' } });
  });
});

describe('risk parity', () => {
  // BTC at 80 % vol, ETH at 40 %: mean inverse vol (1.25 + 2.5) / 2 = 1.875, so BTC gets
  // 1.25 / 1.875 = 2/3 and ETH 4/3 of the signal's notional (30 000 each at signal 0.3).
  const cfg = config({
    models: { m: { decay: 'none' } },
    strategies: { rp: { models: { m: 1 }, method: 'riskParity' }, plain: { models: { m: 1 } } },
    instruments: { [BTC]: {}, [ETH]: {} },
    accounts: {
      parity: { strategies: { rp: { budget: 1 } } },
      signal: { strategies: { plain: { budget: 1 } } },
    },
  });
  const world = () => {
    const tape = new Tape().add('InstrumentsListed', listed(['parity', 'signal']), T0 - HOUR);
    volSeries(tape, BTC, 50_000, 0.8, T0 - 12 * MIN);
    volSeries(tape, ETH, 2_500, 0.4, T0 - 12 * MIN);
    for (const a of ['parity', 'signal']) tape.add('AccountEquityUpdated', equity(a, 100_000, T0), T0);
    for (const i of [BTC, ETH])
      tape.add(
        'PredictionReceived',
        prediction({ modelId: 'm', instrument: i, value: 0.3, generatedAt: T0 }),
        T0,
      );
    return tape;
  };

  it('weights instruments by inverse volatility', () => {
    const r = world().pass(cfg, T0 + SEC);
    // parity: BTC 20 000 / 50 000 = 0.4; ETH 40 000 / 2 500 = 16. signal: 0.6 BTC, 12 ETH.
    expect(targetsOf(r.decisions)).toEqual({
      parity: { [BTC]: '0.4', [ETH]: '16' },
      signal: { [BTC]: '0.6', [ETH]: '12' },
    });
  });

  it('the mean is over the instruments with a live prediction: BTC alone takes the whole signal', () => {
    const tape = new Tape().add('InstrumentsListed', listed(['parity']), T0 - HOUR);
    volSeries(tape, BTC, 50_000, 0.8, T0 - 12 * MIN);
    volSeries(tape, ETH, 2_500, 0.4, T0 - 12 * MIN);
    tape
      .add('AccountEquityUpdated', equity('parity', 100_000, T0), T0)
      .add(
        'PredictionReceived',
        prediction({ modelId: 'm', instrument: BTC, value: 0.3, generatedAt: T0 }),
        T0,
      );
    expect(targetsOf(tape.pass(cfg, T0 + SEC).decisions)).toEqual({ parity: { [BTC]: '0.6' } });
  });
});

describe('micro lots with hysteresis (CME:MES)', () => {
  // MES: 5 USD × index at 5 000 = 25 000 a contract; equity 100 000, so a signal s asks 4·s
  // contracts (8·s with leverage 2).
  const cfgWith = (risk: object, leverage = 1) =>
    config({
      models: { m: { decay: 'none' } },
      strategies: { s: { models: { m: 1 } } },
      instruments: { [MES]: {} },
      accounts: { acc: { strategies: { s: { budget: 1 } }, leverage } },
      risk: { ...RELAXED, ...risk },
    });
  const world = () =>
    new Tape()
      .add('ContractMapped', mapped('MES', 'MESM6', T0 - DAY), T0 - DAY)
      .add('QuoteUpdated', quote('MESM6', 5_000, T0, 'cme'), T0)
      .add('AccountEquityUpdated', equity('acc', 100_000, T0), T0);
  /** Each signal in turn (a new prediction a minute), the target each pass set (or null). */
  const walk = (tape: Tape, cfg: ReturnType<typeof cfgWith>, signals: number[]) =>
    signals.map((value, k) => {
      const at = T0 + (k + 1) * MIN;
      tape.add(
        'PredictionReceived',
        prediction({ modelId: 'm', instrument: MES, value, generatedAt: at }),
        at,
      );
      return targetsOf(tape.pass(cfg, at + SEC, only(MES)).decisions).acc?.[MES] ?? null;
    });

  it('sizes whole contracts with the multiplier of @keel/calendar', () => {
    const spec = lookupProduct('MES');
    expect(E.isRight(spec) && spec.right.multiplier).toBe('5');
    expect(priceAt(world().state, priceKey(ANY_VENUE, MES))?.mid).toBe(5_000);
  });

  it('a signal wandering around 2.5 contracts does not churn', () => {
    const cfg = cfgWith({ deadband: 0, hysteresis: 0.25 });
    // 2.2 → 2; 2.5, 2.55, 2.4, 2.72 hold 2 (within 0.75); 2.8 → 3; 2.45 holds 3; 2.2 → 2.
    expect(walk(world(), cfg, [0.55, 0.625, 0.6375, 0.6, 0.68, 0.7, 0.6125, 0.55])).toEqual([
      '2',
      null,
      null,
      null,
      null,
      '3',
      null,
      '2',
    ]);
  });

  it('the deadband holds a change worth less than its share of equity', () => {
    // Deadband 30 % of equity = 30 000: one contract (25 000) is held, two (50 000) are not.
    const cfg = cfgWith({ deadband: 0.3, hysteresis: 0 }, 2);
    // 8 × 0.275 = 2.2 → 2 (from flat: always); 3.2 → 3 held; 4 → set; 2.4 → 2 set.
    expect(walk(world(), cfg, [0.275, 0.4, 0.5, 0.3])).toEqual(['2', null, '4', '2']);
  });
});

describe('expiry across a CME weekend', () => {
  // Friday 2026-02-27 15:00 in Chicago (21:00 UTC), one hour before the weekend close; both
  // predictions live two hours. CME counts trading time: 1 h on Friday, 1 h from Sunday's 17:00
  // open, so it expires Sunday 18:00 CT (Monday 00:00 UTC). Crypto counts wall time: 23:00 UTC.
  const FRI = t('2026-02-27T21:00:00Z');
  const SAT = t('2026-02-28T18:00:00Z');
  const SUN_OPEN = t('2026-03-01T23:00:00Z');
  const CME_EXPIRY = t('2026-03-02T00:00:00Z');
  const cfg = config({
    models: { cme: { decay: 'none' }, crypto: { decay: 'none' }, fading: { decay: 'linear' } },
    strategies: { s: { models: { cme: 1, crypto: 1 } }, f: { models: { fading: 1 } } },
    instruments: { [BTC]: {}, [MES]: {} },
    accounts: { acc: { strategies: { s: { budget: 1 } } } },
    risk: RELAXED,
  });
  const world = () =>
    new Tape()
      .add('InstrumentsListed', listed(['acc'], [rules(BTC)]), FRI - DAY)
      .add('ContractMapped', mapped('MES', 'MESH6', FRI - DAY), FRI - DAY)
      .add('QuoteUpdated', quote('MESH6', 5_000, FRI, 'cme'), FRI)
      .add('QuoteUpdated', quote(BTC, 50_000, FRI), FRI)
      .add('AccountEquityUpdated', equity('acc', 100_000, FRI), FRI)
      .add(
        'PredictionReceived',
        prediction({ modelId: 'cme', instrument: MES, value: 0.5, ttlSec: 7_200, generatedAt: FRI }),
        FRI,
      )
      .add(
        'PredictionReceived',
        prediction({ modelId: 'crypto', instrument: BTC, value: 0.5, ttlSec: 7_200, generatedAt: FRI }),
        FRI,
      );
  /** A pass at `at` with the account's equity refreshed, as the balance aggregator does. */
  const passAt = (tape: Tape, at: number) =>
    targetsOf(tape.add('AccountEquityUpdated', equity('acc', 100_000, at), at).pass(cfg, at).decisions).acc ??
    {};

  it('counts a CME ttl in trading time and a crypto ttl in wall time', () => {
    const s = world().state;
    expect(iso(predictionsOf(s, MES)?.['cme']?.expiresAt ?? 0)).toBe(iso(CME_EXPIRY));
    expect(iso(predictionsOf(s, BTC)?.['crypto']?.expiresAt ?? 0)).toBe('2026-02-27T23:00:00.000Z');
  });

  it('the CME target lives through the weekend and goes to 0 after Sunday open + 1 h; crypto at once', () => {
    const tape = world();
    // MES: 100 000 × 0.5 / 25 000 = 2 contracts; BTC: 50 000 / 50 000 = 1.
    expect(passAt(tape, FRI + SEC)).toEqual({ [MES]: '2', [BTC]: '1' });
    expect(passAt(tape, t('2026-02-27T23:00:00Z') - SEC)).toEqual({});
    expect(passAt(tape, t('2026-02-27T23:00:00Z'))).toEqual({ [BTC]: '0' });
    expect(passAt(tape, SAT)).toEqual({});
    expect(passAt(tape, SUN_OPEN + 30 * MIN)).toEqual({});
    expect(passAt(tape, CME_EXPIRY - SEC)).toEqual({});
    expect(passAt(tape, CME_EXPIRY)).toEqual({ [MES]: '0' });
  });

  it("a prediction sent while the market is closed does not void the model's live one", () => {
    // The model sends again on Saturday: marked `weekend`, effective at Sunday's open. The
    // optimizer reacts at once (cme-rollover holds the target until the open, docs/cme.md);
    // the Friday view must not disappear in between.
    const tape = world();
    expect(passAt(tape, FRI + SEC)[MES]).toBe('2');
    expect(passAt(tape, t('2026-02-27T23:00:00Z'))).toEqual({ [BTC]: '0' });
    tape.add(
      'PredictionReceived',
      prediction({ modelId: 'cme', instrument: MES, value: 0.5, ttlSec: 7_200, generatedAt: SAT }),
      SAT,
    );
    expect(predictionsOf(tape.state, MES)?.['cme']?.startAt).toBe(SUN_OPEN);
    expect(passAt(tape, SAT + SEC)).toEqual({});
    // It lives 2 h of trading time from the open.
    expect(passAt(tape, SUN_OPEN + 2 * HOUR)).toEqual({ [MES]: '0' });
  });

  it("a CME quote ages in trading time: the last one before Friday's close still prices Saturday", () => {
    const fresh = config({ ...cfg.document, risk: { ...RELAXED, priceMaxAgeSec: 60 } });
    const lastQuote = t('2026-02-27T21:59:30Z'); // Friday 15:59:30 CT, 30 s before the close
    const tape = world()
      .add('QuoteUpdated', quote('MESH6', 5_000, lastQuote, 'cme'), lastQuote)
      .add('AccountEquityUpdated', equity('acc', 100_000, SAT), SAT)
      .add(
        'PredictionReceived',
        prediction({ modelId: 'cme', instrument: MES, value: 1, ttlSec: 7_200, generatedAt: SAT }),
        SAT,
      );
    // 30 s of trading time old on Saturday: sized (100 000 / 25 000 = 4 contracts).
    expect(targetsOf(tape.pass(fresh, SAT + SEC).decisions).acc?.[MES]).toBe('4');
    // 31 s after Sunday's open with no new quote: 61 s of trading time, stale.
    tape.add('AccountEquityUpdated', equity('acc', 100_000, SUN_OPEN + 31 * SEC), SUN_OPEN + 31 * SEC);
    tape.add(
      'PredictionReceived',
      prediction({
        modelId: 'cme',
        instrument: MES,
        value: 0.5,
        ttlSec: 7_200,
        generatedAt: SUN_OPEN + 31 * SEC,
      }),
      SUN_OPEN + 31 * SEC,
    );
    const r = tape.pass(fresh, SUN_OPEN + 31 * SEC);
    expect(targetsOf(r.decisions).acc?.[MES]).toBeUndefined();
    expect(ofType(r.decisions, 'TargetWithheld').map((d) => d.data.code)).toContain('priceStale');
  });

  it('linear decay counts trading time too: on Saturday half of the hours are left', () => {
    const tape = world().add(
      'PredictionReceived',
      prediction({ modelId: 'fading', instrument: MES, value: 1, ttlSec: 7_200, generatedAt: FRI }),
      FRI,
    );
    const p = predictionsOf(tape.state, MES)?.['fading'];
    if (p === undefined) throw new Error('no prediction');
    expect(decayAt(cfg, 'fading', MES, p, FRI)).toBe(1);
    expect(decayAt(cfg, 'fading', MES, p, SAT)).toBe(0.5);
    expect(decayAt(cfg, 'fading', MES, p, SUN_OPEN + 30 * MIN)).toBe(0.25);
  });
});

describe('kill switch, daily loss limit, max drawdown', () => {
  const cfgWith = (
    account: object,
    killSwitchMode: 'freeze' | 'flatten' = 'freeze',
    instruments = [BTC, ETH],
  ) =>
    config({
      models: { m: { decay: 'none' } },
      strategies: { s: { models: { m: 1 } } },
      instruments: { [BTC]: {}, [ETH]: {} },
      accounts: { acc: { strategies: { s: { budget: 1 } }, instruments, ...account } },
      risk: { ...RELAXED, killSwitch: killSwitchMode, deadband: 0 },
    });
  const DAY1 = t('2026-03-02T01:00:00Z');
  const world = () =>
    new Tape()
      .add('InstrumentsListed', listed(['acc']), DAY1 - HOUR)
      .add('QuoteUpdated', quote(BTC, 50_000, DAY1), DAY1)
      .add('QuoteUpdated', quote(ETH, 2_500, DAY1), DAY1)
      .add('AccountEquityUpdated', equity('acc', 100_000, DAY1), DAY1);
  const predict = (tape: Tape, instrument: string, value: number, at: number) =>
    tape.add('PredictionReceived', prediction({ modelId: 'm', instrument, value, generatedAt: at }), at);

  describe('freeze', () => {
    const cfg = cfgWith({}, 'freeze');
    it('halts: RiskStateChanged HALTED, every target withheld riskHalted, none set until released', () => {
      const tape = world();
      predict(tape, BTC, 0.5, DAY1);
      expect(targetsOf(tape.pass(cfg, DAY1 + SEC).decisions)).toEqual({ acc: { [BTC]: '1' } });
      tape.add('KillSwitchEngaged', killSwitch(null), DAY1 + MIN);
      const r = tape.pass(cfg, DAY1 + MIN + SEC);
      expect(ofType(r.decisions, 'RiskStateChanged').map((d) => [d.stream, d.data])).toEqual([
        [
          GLOBAL_STREAM,
          expect.objectContaining({
            scope: 'global',
            from: 'ACTIVE',
            to: 'HALTED',
            cause: 'killSwitchFreeze',
          }),
        ],
      ]);
      expect(ofType(r.decisions, 'TargetWithheld').map((d) => [d.data.instrument, d.data.code])).toEqual([
        [BTC, 'riskHalted'],
        [ETH, 'riskHalted'],
      ]);
      expect(ofType(r.decisions, 'TargetPositionSet')).toEqual([]);
      // A new view changes nothing, and nothing is said twice.
      predict(tape, BTC, 0.9, DAY1 + 2 * MIN);
      expect(tape.pass(cfg, DAY1 + 2 * MIN + SEC).decisions).toEqual([]);
      tape.add('KillSwitchReleased', killSwitch(null), DAY1 + 3 * MIN);
      const back = tape.pass(cfg, DAY1 + 3 * MIN + SEC);
      expect(ofType(back.decisions, 'RiskStateChanged').map((d) => d.data)).toEqual([
        expect.objectContaining({ scope: 'global', from: 'HALTED', to: 'ACTIVE', cause: 'cleared' }),
      ]);
      expect(targetsOf(back.decisions)).toEqual({ acc: { [BTC]: '1.8' } });
    });
  });

  describe('flatten', () => {
    const cfg = cfgWith({}, 'flatten');
    const held = () => {
      const tape = world();
      predict(tape, BTC, 0.5, DAY1);
      predict(tape, ETH, -0.5, DAY1);
      expect(targetsOf(tape.pass(cfg, DAY1 + SEC).decisions)).toEqual({ acc: { [BTC]: '1', [ETH]: '-20' } });
      return tape;
    };

    it('REDUCING, every held target to 0 with TargetLimited killSwitchFlatten, once', () => {
      const tape = held().add('KillSwitchEngaged', killSwitch('acc'), DAY1 + MIN);
      const r = tape.pass(cfg, DAY1 + MIN + SEC);
      expect(ofType(r.decisions, 'RiskStateChanged').map((d) => [d.stream, d.data])).toEqual([
        [
          accountStream('acc'),
          expect.objectContaining({
            scope: 'account',
            accountId: 'acc',
            to: 'REDUCING',
            cause: 'killSwitchFlatten',
          }),
        ],
      ]);
      expect(targetsOf(r.decisions)).toEqual({ acc: { [BTC]: '0', [ETH]: '0' } });
      expect(ofType(r.decisions, 'TargetLimited').map((d) => [d.data.instrument, d.data.limits])).toEqual([
        [BTC, ['killSwitchFlatten']],
        [ETH, ['killSwitchFlatten']],
      ]);
      predict(tape, BTC, 1, DAY1 + 2 * MIN);
      expect(tape.pass(cfg, DAY1 + 2 * MIN + SEC).decisions).toEqual([]);
    });

    it('flattens a target the account no longer trades under the current configuration', () => {
      const tape = held().add('KillSwitchEngaged', killSwitch('acc'), DAY1 + MIN);
      const btcOnly = cfgWith({}, 'flatten', [BTC]);
      expect(targetsOf(tape.pass(btcOnly, DAY1 + MIN + SEC).decisions)).toEqual({
        acc: { [BTC]: '0', [ETH]: '0' },
      });
    });
  });

  describe('daily loss limit', () => {
    const cfg = cfgWith({ dailyLossLimit: 0.05 });
    it('REDUCING for the rest of the UTC day: targets only shrink toward 0', () => {
      const tape = world();
      predict(tape, BTC, 0.5, DAY1);
      tape.pass(cfg, DAY1 + SEC);
      // 6 % down since the day's first equity.
      tape.add('AccountEquityUpdated', equity('acc', 94_000, DAY1 + HOUR), DAY1 + HOUR);
      const r = tape.pass(cfg, DAY1 + HOUR + SEC);
      expect(ofType(r.decisions, 'RiskStateChanged').map((d) => d.data)).toEqual([
        expect.objectContaining({ to: 'REDUCING', cause: 'dailyLossLimit' }),
      ]);
      expect(targetsOf(r.decisions)).toEqual({ acc: { [BTC]: '0.94' } }); // smaller: allowed
      // A stronger view may not grow the target; a flip goes to 0 and says why.
      predict(tape, BTC, 0.9, DAY1 + 2 * HOUR);
      expect(tape.pass(cfg, DAY1 + 2 * HOUR + SEC).decisions).toEqual([]);
      predict(tape, BTC, -0.5, DAY1 + 3 * HOUR);
      const flip = tape.pass(cfg, DAY1 + 3 * HOUR + SEC);
      expect(targetsOf(flip.decisions)).toEqual({ acc: { [BTC]: '0' } });
      expect(ofType(flip.decisions, 'TargetLimited')[0]?.data.limits).toEqual(['riskReducing']);
      // Equity recovers within the day: still REDUCING (the limit holds for the day).
      tape.add('AccountEquityUpdated', equity('acc', 97_000, DAY1 + 4 * HOUR), DAY1 + 4 * HOUR);
      expect(ofType(tape.pass(cfg, DAY1 + 4 * HOUR + SEC).decisions, 'RiskStateChanged')).toEqual([]);
      // A new UTC day clears it.
      const next = t('2026-03-03T00:00:30Z');
      tape.add('AccountEquityUpdated', equity('acc', 97_000, next), next);
      const cleared = tape.pass(cfg, next + SEC);
      expect(ofType(cleared.decisions, 'RiskStateChanged').map((d) => d.data)).toEqual([
        expect.objectContaining({ from: 'REDUCING', to: 'ACTIVE', cause: 'cleared' }),
      ]);
      expect(targetsOf(cleared.decisions)).toEqual({ acc: { [BTC]: '-0.97' } });
    });
  });

  describe('max drawdown', () => {
    const cfg = cfgWith({ maxDrawdown: 0.2 });
    it('HALTED, latched while equity recovers, until a kill switch release', () => {
      const tape = world();
      predict(tape, BTC, 0.5, DAY1);
      tape.pass(cfg, DAY1 + SEC);
      tape.add('AccountEquityUpdated', equity('acc', 79_000, DAY1 + HOUR), DAY1 + HOUR);
      const r = tape.pass(cfg, DAY1 + HOUR + SEC);
      expect(ofType(r.decisions, 'RiskStateChanged').map((d) => d.data)).toEqual([
        expect.objectContaining({ to: 'HALTED', cause: 'maxDrawdown' }),
      ]);
      expect(ofType(r.decisions, 'TargetPositionSet')).toEqual([]);
      expect(ofType(r.decisions, 'TargetWithheld').map((d) => d.data.code)).toEqual([
        'riskHalted',
        'riskHalted',
      ]);
      tape.add('AccountEquityUpdated', equity('acc', 90_000, DAY1 + 2 * HOUR), DAY1 + 2 * HOUR);
      expect(tape.pass(cfg, DAY1 + 2 * HOUR + SEC).decisions).toEqual([]);
      tape.add('KillSwitchReleased', killSwitch('acc', 'looked at it'), DAY1 + 3 * HOUR);
      const back = tape.pass(cfg, DAY1 + 3 * HOUR + SEC);
      expect(ofType(back.decisions, 'RiskStateChanged').map((d) => d.data)).toEqual([
        expect.objectContaining({ from: 'HALTED', to: 'ACTIVE', cause: 'cleared' }),
      ]);
      // Drawdown is measured afresh from 90 000: 90 000 × 0.5 / 50 000 = 0.9 BTC.
      expect(targetsOf(back.decisions)).toEqual({ acc: { [BTC]: '0.9' } });
    });

    it('a global kill switch set to flatten still flattens an account the drawdown halted', () => {
      const flatten = cfgWith({ maxDrawdown: 0.2 }, 'flatten');
      const tape = world();
      predict(tape, BTC, 0.5, DAY1);
      expect(targetsOf(tape.pass(flatten, DAY1 + SEC).decisions)).toEqual({ acc: { [BTC]: '1' } });
      tape.add('AccountEquityUpdated', equity('acc', 79_000, DAY1 + HOUR), DAY1 + HOUR);
      expect(ofType(tape.pass(flatten, DAY1 + HOUR + SEC).decisions, 'TargetPositionSet')).toEqual([]);
      tape.add('KillSwitchEngaged', killSwitch(null), DAY1 + 2 * HOUR);
      const r = tape.pass(flatten, DAY1 + 2 * HOUR + SEC);
      // The account is no longer HALTED (execution would stay paused): it flattens.
      expect(
        ofType(r.decisions, 'RiskStateChanged').map((d) => [d.data.scope, d.data.to, d.data.cause]),
      ).toEqual([
        ['global', 'REDUCING', 'killSwitchFlatten'],
        ['account', 'REDUCING', 'killSwitchFlatten'],
      ]);
      expect(targetsOf(r.decisions)).toEqual({ acc: { [BTC]: '0' } });
    });
  });
});

describe('account caps, pre-trade checks, weights', () => {
  // Equity 100 000; BTC at 50 000 (lots of 0.001 = 50), ETH at 2 500 (lots of 0.01 = 25),
  // MES at 5 000 × 5 = 25 000 a contract.
  const cfgWith = (account: object, risk: object = {}) =>
    config({
      models: { m: { decay: 'none' } },
      strategies: { s: { models: { m: 1 } } },
      instruments: { [BTC]: {}, [ETH]: { maxQty: '0.2' }, [MES]: {} },
      accounts: { acc: { strategies: { s: { budget: 1 } }, ...account } },
      risk: { ...RELAXED, hysteresis: 0, deadband: 0, ...risk },
    });
  const world = () =>
    new Tape()
      .add('InstrumentsListed', listed(['acc']), T0 - HOUR)
      .add('ContractMapped', mapped('MES', 'MESM6', T0 - DAY), T0 - DAY)
      .add('QuoteUpdated', quote(BTC, 50_000, T0), T0)
      .add('QuoteUpdated', quote(ETH, 2_500, T0), T0)
      .add('QuoteUpdated', quote('MESM6', 5_000, T0, 'cme'), T0)
      .add('AccountEquityUpdated', equity('acc', 100_000, T0), T0);
  const predict = (
    tape: Tape,
    instrument: string,
    value: number,
    at: number,
    kind: 'signal' | 'weight' = 'signal',
  ) =>
    tape.add(
      'PredictionReceived',
      prediction({ modelId: 'm', instrument, value, kind, generatedAt: at }),
      at,
    );

  it('the gross cap scales every position; the deadband holds a small change and the biggest position makes room', () => {
    // Gross cap 0.5 × 100 000 = 50 000; deadband 1 % = 1 000.
    const cfg = cfgWith({ maxGrossLeverage: 0.5 }, { deadband: 0.01 });
    const tape = world();
    predict(tape, BTC, 0.4, T0);
    predict(tape, ETH, 0.4, T0);
    // BTC 40 000 = 0.8; ETH 40 000 capped at 0.2 (500). Gross 40 500: under the cap.
    expect(targetsOf(tape.pass(cfg, T0 + SEC).decisions)).toEqual({ acc: { [BTC]: '0.8', [ETH]: '0.2' } });
    // BTC 60 000: gross 60 500, scaled by 50 000 / 60 500: BTC 991.7 → 991 lots, ETH 16.5 → 16.
    // ETH's change (4 lots, 100) is inside the deadband and held at 20 (500); with BTC at 991
    // that is 50 050, over the cap: the biggest position gives one lot (50), not every position
    // a new target (one prediction must not re-set a whole book whose cap binds).
    predict(tape, BTC, 0.6, T0 + MIN);
    const r = tape.pass(cfg, T0 + MIN + SEC);
    expect(targetsOf(r.decisions)).toEqual({ acc: { [BTC]: '0.99' } });
    expect(ofType(r.decisions, 'TargetLimited').map((d) => [d.data.instrument, d.data.limits])).toEqual([
      [BTC, ['accountGross']],
    ]);
    // Within the cap, and a second pass changes nothing.
    expect(0.99 * 50_000 + 0.2 * 2_500).toBeLessThanOrEqual(50_000);
    expect(targetsOf(tape.pass(cfg, T0 + MIN + 2 * SEC).decisions)).toEqual({});
  });

  it('the net cap holds when an offsetting position truncates to 0', () => {
    // Net cap 0.1 × 100 000 = 10 000. BTC +50 000, MES −30 000 (−1.2 contracts): net 20 000,
    // scaled by 0.5: BTC 500 lots, MES −0.6 → 0, so the net would be 25 000. BTC comes down to
    // 200 lots (10 000).
    const cfg = cfgWith({ maxNetLeverage: 0.1 });
    const tape = world();
    predict(tape, BTC, 0.5, T0);
    predict(tape, MES, -0.3, T0);
    const r = tape.pass(cfg, T0 + SEC);
    expect(targetsOf(r.decisions)).toEqual({ acc: { [BTC]: '0.2' } });
    expect(ofType(r.decisions, 'TargetLimited').map((d) => d.data)).toEqual([
      expect.objectContaining({ wantedQty: '1', targetQty: '0.2', limits: ['accountNet'] }),
    ]);
  });

  it('whole lots that fit the cap the first time: a second pass does not round one up', () => {
    // Equity 10 000, net cap 0.0815 (815), hysteresis 0.25. BTC asks 10.9 lots (545), ETH 10.6
    // (265): 810, under the cap. Rounding both (11, 11) is 825: over. Truncating (10, 10) is 750,
    // and hysteresis from there holds ETH at 10 but takes BTC to 11 (0.9 > 0.75): 800, which
    // fits. That is what the first pass sets; truncating alone would leave the next pass to
    // round BTC up with no new input.
    const cfg = cfgWith({ maxNetLeverage: 0.0815 }, { hysteresis: 0.25 });
    const tape = world().add('AccountEquityUpdated', equity('acc', 10_000, T0), T0);
    predict(tape, BTC, 0.0545, T0);
    predict(tape, ETH, 0.0265, T0);
    expect(targetsOf(tape.pass(cfg, T0 + SEC).decisions)).toEqual({ acc: { [BTC]: '0.011', [ETH]: '0.1' } });
    expect(tape.pass(cfg, T0 + SEC).decisions).toEqual([]);
  });

  it('pre-trade checks refuse what adds risk, never a move toward 0', () => {
    const cfg = cfgWith({}, { maxTargetNotional: '30000', maxChangePerRebalance: 0.2 });
    const tape = world();
    predict(tape, BTC, 0.5, T0); // 50 000 > 30 000
    const big = tape.pass(cfg, T0 + SEC);
    expect(ofType(big.decisions, 'TargetPositionSet')).toEqual([]);
    expect(ofType(big.decisions, 'TargetWithheld').map((d) => d.data)).toEqual([
      expect.objectContaining({ code: 'maxTargetNotional', wantedQty: '1' }),
    ]);
    predict(tape, BTC, 0.15, T0 + MIN); // 15 000: a change of 15 % of equity
    expect(targetsOf(tape.pass(cfg, T0 + MIN + SEC).decisions)).toEqual({ acc: { [BTC]: '0.3' } });
    predict(tape, BTC, -0.15, T0 + 2 * MIN); // a flip worth 30 % of equity
    expect(ofType(tape.pass(cfg, T0 + 2 * MIN + SEC).decisions, 'TargetWithheld')[0]?.data.code).toBe(
      'maxChangePerRebalance',
    );
    predict(tape, BTC, 0, T0 + 3 * MIN); // back to flat: always allowed
    expect(targetsOf(tape.pass(cfg, T0 + 3 * MIN + SEC).decisions)).toEqual({ acc: { [BTC]: '0' } });
  });

  it('a weight is a share of equity (no leverage); a signal is scaled by leverage', () => {
    const cfg = cfgWith({ leverage: 3 });
    const tape = world();
    predict(tape, BTC, 0.2, T0, 'weight'); // 0.2 × 100 000 = 20 000 → 0.4 BTC
    predict(tape, ETH, 0.01, T0); // 0.01 × 3 × 100 000 = 3 000 → 1.2 ETH, capped at 0.2
    expect(targetsOf(tape.pass(cfg, T0 + SEC).decisions)).toEqual({ acc: { [BTC]: '0.4', [ETH]: '0.2' } });
  });

  it('below the venue minimum the target is 0', () => {
    const cfg = cfgWith({});
    const tape = world().add(
      'InstrumentsListed',
      listed(['acc'], [rules(BTC, { lotSize: '0.001', minQty: '0.01' }), rules(ETH, { lotSize: '0.01' })]),
      T0,
    );
    predict(tape, BTC, 0.2, T0); // 20 000 → 0.4 BTC
    expect(targetsOf(tape.pass(cfg, T0 + SEC).decisions)).toEqual({ acc: { [BTC]: '0.4' } });
    predict(tape, BTC, 0.004, T0 + MIN); // 400 → 0.008 BTC, under the 0.01 minimum
    const r = tape.pass(cfg, T0 + MIN + SEC);
    expect(targetsOf(r.decisions)).toEqual({ acc: { [BTC]: '0' } });
    expect(ofType(r.decisions, 'TargetLimited')[0]?.data.limits).toEqual(['minQty']);
  });
});

describe('bad input: withheld with a reason, never a target', () => {
  const cfg = config({
    models: { m: { decay: 'none' } },
    strategies: { s: { models: { m: 1 } } },
    instruments: { [BTC]: {}, 'SOL/USDT:USDT': {} },
    accounts: { acc: { strategies: { s: { budget: 1 } }, instruments: [BTC] } },
    risk: { equityMaxAgeSec: 300, priceMaxAgeSec: 60 },
  });
  const base = () =>
    new Tape()
      .add('InstrumentsListed', listed(['acc'], [rules(BTC)]), T0 - HOUR)
      .add(
        'PredictionReceived',
        prediction({ modelId: 'm', instrument: BTC, value: 0.5, generatedAt: T0 }),
        T0,
      );
  const withheld = (tape: Tape, now = T0 + SEC) => {
    const r = tape.pass(cfg, now, only(BTC));
    expect(ofType(r.decisions, 'TargetPositionSet')).toEqual([]);
    // Said once: the same pass again records nothing.
    expect(tape.pass(cfg, now + SEC, only(BTC)).decisions).toEqual([]);
    return ofType(r.decisions, 'TargetWithheld').map((d) => d.data);
  };

  it('equity missing', () => {
    const tape = base().add('QuoteUpdated', quote(BTC, 50_000, T0), T0);
    expect(withheld(tape)).toEqual([
      expect.objectContaining({ accountId: 'acc', instrument: BTC, code: 'equityMissing' }),
    ]);
  });

  it('equity stale', () => {
    const tape = base()
      .add('QuoteUpdated', quote(BTC, 50_000, T0), T0)
      .add('AccountEquityUpdated', equity('acc', 100_000, T0 - 6 * MIN), T0);
    expect(withheld(tape).map((d) => d.code)).toEqual(['equityStale']);
  });

  it('equity stale does not hold a target whose predictions all expired: it goes to 0', () => {
    const tape = new Tape()
      .add('InstrumentsListed', listed(['acc'], [rules(BTC)]), T0 - HOUR)
      .add('QuoteUpdated', quote(BTC, 50_000, T0), T0)
      .add('AccountEquityUpdated', equity('acc', 100_000, T0), T0)
      .add(
        'PredictionReceived',
        prediction({ modelId: 'm', instrument: BTC, value: 0.5, ttlSec: 600, generatedAt: T0 }),
        T0,
      );
    expect(targetsOf(tape.pass(cfg, T0 + SEC).decisions)).toEqual({ acc: { [BTC]: '1' } });
    // Ten minutes on, no new equity (stale after five) and the prediction expired.
    const r = tape.pass(cfg, T0 + 10 * MIN + SEC);
    expect(targetsOf(r.decisions)).toEqual({ acc: { [BTC]: '0' } });
  });

  it('equity not positive', () => {
    const tape = base()
      .add('QuoteUpdated', quote(BTC, 50_000, T0), T0)
      .add('AccountEquityUpdated', equity('acc', 0, T0), T0);
    expect(withheld(tape).map((d) => d.code)).toEqual(['equityNotPositive']);
  });

  it('price missing', () => {
    const tape = base().add('AccountEquityUpdated', equity('acc', 100_000, T0), T0);
    expect(withheld(tape)).toEqual([
      expect.objectContaining({ code: 'priceMissing', detail: `no quote for ${BTC} at binanceusdm` }),
    ]);
  });

  it('price stale', () => {
    const tape = base()
      .add('QuoteUpdated', quote(BTC, 50_000, T0 - 2 * MIN), T0)
      .add('AccountEquityUpdated', equity('acc', 100_000, T0), T0);
    expect(withheld(tape).map((d) => d.code)).toEqual(['priceStale']);
  });

  it('an instrument no account trades: once, on the global stream, without an account', () => {
    const tape = base();
    const sol = 'SOL/USDT:USDT';
    tape.add(
      'PredictionReceived',
      prediction({ modelId: 'm', instrument: sol, value: 1, generatedAt: T0 }),
      T0,
    );
    const r = tape.pass(cfg, T0 + SEC, only(sol));
    expect(r.decisions.map((d) => [d.stream, d.type, d.data])).toEqual([
      [
        GLOBAL_STREAM,
        'TargetWithheld',
        expect.objectContaining({ accountId: null, instrument: sol, code: 'instrumentNotTraded' }),
      ],
    ]);
    expect(tape.pass(cfg, T0 + 2 * SEC, only(sol)).decisions).toEqual([]);
  });

  it('a pass without scope sizes every account (the tick)', () => {
    const tape = base()
      .add('QuoteUpdated', quote(BTC, 50_000, T0), T0)
      .add('AccountEquityUpdated', equity('acc', 100_000, T0), T0);
    expect(rebalance(cfg, tape.state, T0 + SEC, FULL_PASS).stats).toEqual({ combined: 1, sized: 1 });
  });
});

describe('configuration errors name the pointer and the value', () => {
  const valid = {
    strategies: { s: { models: { m: 1 } } },
    instruments: { [BTC]: {} },
    accounts: { acc: { strategies: { s: { budget: 1 } } } },
  };
  const errorOf = (doc: unknown) => {
    const r = resolveOptimizerConfig(doc);
    if (E.isRight(r)) throw new Error('expected an error');
    return { path: r.left.path, value: r.left.value };
  };

  it.each([
    [
      'a schema error',
      { ...valid, accounts: { acc: { strategies: { s: { budget: 1 } }, leverage: -1 } } },
      'KEEL_CONFIG/accounts/acc/leverage',
      -1,
    ],
    ['an unknown key', { ...valid, risk: { deadbnad: 0.1 } }, 'KEEL_CONFIG/risk/deadbnad', 0.1],
    [
      'an unknown strategy',
      { ...valid, accounts: { acc: { strategies: { t: { budget: 1 } } } } },
      'KEEL_CONFIG/accounts/acc/strategies/t',
      't',
    ],
    [
      'budgets over 1',
      {
        ...valid,
        strategies: { s: { models: { m: 1 } }, t: { models: { m: 1 } } },
        accounts: { acc: { strategies: { s: { budget: 0.7 }, t: { budget: 0.4 } } } },
      },
      'KEEL_CONFIG/accounts/acc/strategies',
      1.1,
    ],
    [
      'an instrument not listed',
      { ...valid, accounts: { acc: { strategies: { s: { budget: 1 } }, instruments: [BTC, ETH] } } },
      'KEEL_CONFIG/accounts/acc/instruments/1',
      ETH,
    ],
    [
      'limits on an instrument the account does not trade (a `/` in the key is escaped)',
      {
        ...valid,
        instruments: { [BTC]: {}, [ETH]: {} },
        accounts: { acc: { strategies: { s: { budget: 1 } }, instruments: [BTC], limits: { [ETH]: {} } } },
      },
      'KEEL_CONFIG/accounts/acc/limits/ETH~1USDT:USDT',
      ETH,
    ],
    [
      'a bad cap under an instrument key (escaped as the schema errors are)',
      { ...valid, instruments: { [BTC]: { maxQty: '-1' } } },
      'KEEL_CONFIG/instruments/BTC~1USDT:USDT/maxQty',
      '-1',
    ],
    ['an unused model', { ...valid, models: { x: {} } }, 'KEEL_CONFIG/models/x', 'x'],
    [
      'drawdown scaling upside down',
      {
        ...valid,
        accounts: {
          acc: { strategies: { s: { budget: 1 } }, drawdownScaling: { start: 0.3, full: 0.1, floor: 0 } },
        },
      },
      'KEEL_CONFIG/accounts/acc/drawdownScaling',
      { start: 0.3, full: 0.1, floor: 0 },
    ],
    [
      'a reserved account name',
      { ...valid, accounts: { global: { strategies: { s: { budget: 1 } } } } },
      'KEEL_CONFIG/accounts/global',
      'global',
    ],
    ['hysteresis of half a lot', { ...valid, risk: { hysteresis: 0.5 } }, 'KEEL_CONFIG/risk/hysteresis', 0.5],
  ])('%s', (_name, doc, path, value) => {
    expect(errorOf(doc)).toEqual({ path, value });
  });

  it('text that is not JSON names the key', () => {
    const r = parseOptimizerConfig('{ "strategies": ', 'KEEL_CONFIG');
    expect(E.isLeft(r) && r.left.path).toBe('KEEL_CONFIG');
    expect(E.isLeft(r) && r.left.message).toMatch(/^is not JSON/);
  });

  it('a valid document resolves with its defaults', () => {
    const r = parseOptimizerConfig(JSON.stringify(valid));
    expect(E.isRight(r) && r.right.risk).toEqual({
      equityMaxAgeMs: 300_000,
      priceMaxAgeMs: 60_000,
      deadband: 0.001,
      hysteresis: 0.25,
      maxTargetNotional: null,
      maxChangePerRebalance: null,
      killSwitch: 'freeze',
    });
    expect(E.isRight(r) && r.right.accountsOf.get(BTC)).toEqual(['acc']);
  });
});
