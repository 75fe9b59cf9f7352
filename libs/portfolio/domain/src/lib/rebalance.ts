/**
 * The optimizer's decision, pure: (configuration, folded state, now, scope) → the events to
 * record. docs/optimizer.md states the maths; in short, per pass:
 *
 * 1. **Risk** per scope (global, then each account): a kill switch (HALTED to freeze, REDUCING
 *    to flatten), a max-drawdown halt (latched until a release), the daily loss limit (REDUCING
 *    for the rest of the UTC day). A change is recorded as RiskStateChanged with its cause.
 * 2. **Combine once per (strategy, instrument)**, never per account: every live prediction of
 *    the strategy's models (the latest per model), weighted by the strategy's model weight ×
 *    confidence × decay, divided by the weights of the live ones. Signals and weights are
 *    kept apart (S and W), because a signal is scaled by each account's leverage and a weight
 *    is already a share of equity. No live prediction: 0.
 * 3. **Size per account**: notional = equity × drawdown scale × Σ_strategies budget ×
 *    (leverage × S + W) × vol scale × risk-parity factor; then caps (instrument position and
 *    notional, account gross and net), lots with hysteresis, the venue minimum, the risk state,
 *    pre-trade checks and the deadband; the book of targets that leaves must still fit the
 *    account caps (whole lots come off toward 0 until it does). What it cannot size (equity
 *    or price missing or stale…) is withheld with a reason, recorded once per change of reason.
 *
 * Floats are fine for the statistics and the sizing maths (ARCHITECTURE.md invariant 7); a
 * target is a whole number of lots, written as an exact decimal (lots × lot size).
 */
import { Decimal } from 'decimal.js';
import * as E from 'fp-ts/Either';
import { lookupProduct, tradingMsBetween } from '@keel/calendar';
import { EventData } from '@keel/events';
import { OptimizerConfig, ResolvedAccount, ResolvedStrategy } from './optimizer.config';
import {
  annualVol,
  ANY_VENUE,
  LivePrediction,
  NO_ACCOUNT,
  OptimizerState,
  PriceFacts,
  priceAt,
  predictionsOf,
  priceKey,
  RiskName,
  RiskRecord,
  rootOf,
} from './optimizer.state';

type OutType = 'TargetPositionSet' | 'TargetLimited' | 'TargetWithheld' | 'RiskStateChanged';
/** One event to record: the stream, the payload and the parts its id derives from. */
export type Decision = {
  [K in OutType]: {
    readonly stream: string;
    readonly type: K;
    readonly data: EventData<K>;
    readonly idParts: readonly (string | number)[];
  };
}[OutType];

export interface RebalanceScope {
  /** Instruments whose inputs changed (a prediction); null: all. */
  readonly instruments: ReadonlySet<string> | null;
  /** Accounts whose inputs changed (equity, positions, kill switch); null: all. */
  readonly accounts: ReadonlySet<string> | null;
}
export const FULL_PASS: RebalanceScope = { instruments: null, accounts: null };

export interface RebalanceStats {
  /** (strategy, instrument) combinations computed: the m of "m, not m × n". */
  readonly combined: number;
  /** (account, instrument) sizings. */
  readonly sized: number;
}

export interface Rebalance {
  readonly decisions: readonly Decision[];
  readonly stats: RebalanceStats;
}

export const accountStream = (account: string): string => `portfolio-${account}`;
export const GLOBAL_STREAM = 'portfolio-global';
export const CONFIG_STREAM = 'portfolio-config';

const SEVERITY: Record<RiskName, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

interface Desired {
  readonly state: RiskName;
  readonly cause: 'dailyLossLimit' | 'maxDrawdown' | 'killSwitchFreeze' | 'killSwitchFlatten' | 'cleared';
  readonly detail: string;
}

const killed = (cfg: OptimizerConfig, scope: string): Desired =>
  cfg.risk.killSwitch === 'freeze'
    ? { state: 'HALTED', cause: 'killSwitchFreeze', detail: `kill switch (${scope}), configured to freeze` }
    : {
        state: 'REDUCING',
        cause: 'killSwitchFlatten',
        detail: `kill switch (${scope}), configured to flatten`,
      };

const ACTIVE: Desired = { state: 'ACTIVE', cause: 'cleared', detail: 'no risk limit is hit' };

const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** The risk state an account should be in now, from its facts. */
export const desiredAccountRisk = (
  cfg: OptimizerConfig,
  s: OptimizerState,
  acc: ResolvedAccount,
  now: number,
): Desired => {
  const a = acc.accountId;
  if (s.kill.accounts.includes(a)) return killed(cfg, `account ${a}`);
  const eq = s.equity[a];
  // The kill switch always wins: a global one set to flatten flattens an account that a
  // drawdown halted too (HALTED would hold its positions and keep execution paused).
  const flattening = s.kill.global && cfg.risk.killSwitch === 'flatten';
  const halted = (d: Desired): Desired => (flattening ? killed(cfg, 'global') : d);
  if (s.drawdownHalted.includes(a))
    return halted({
      state: 'HALTED',
      cause: 'maxDrawdown',
      detail: 'max drawdown hit; held until a kill switch release',
    });
  if (eq !== undefined && acc.maxDrawdown !== null && eq.peak > 0) {
    const dd = 1 - eq.equity / eq.peak;
    if (dd >= acc.maxDrawdown)
      return halted({
        state: 'HALTED',
        cause: 'maxDrawdown',
        detail: `drawdown ${pct(dd)} from peak ${eq.peak} ≥ max ${pct(acc.maxDrawdown)}`,
      });
  }
  if (eq !== undefined && acc.dailyLossLimit !== null && eq.dayStart > 0 && eq.day === utcDay(now)) {
    // The day's worst, not the latest: a loss that hit the limit holds until 00:00 UTC even
    // if equity recovers (otherwise the state flaps ACTIVE/REDUCING around the limit).
    const loss = 1 - eq.dayLow / eq.dayStart;
    if (loss >= acc.dailyLossLimit)
      return {
        state: 'REDUCING',
        cause: 'dailyLossLimit',
        detail: `loss ${pct(loss)} since the day's start ${eq.dayStart} ≥ limit ${pct(acc.dailyLossLimit)}; until 00:00 UTC`,
      };
  }
  return ACTIVE;
};

const desiredGlobalRisk = (cfg: OptimizerConfig, s: OptimizerState): Desired =>
  s.kill.global ? killed(cfg, 'global') : ACTIVE;

const differs = (rec: RiskRecord | undefined, d: Desired): boolean =>
  (rec?.state ?? 'ACTIVE') !== d.state ||
  (rec !== undefined && rec.state !== 'ACTIVE' && rec.cause !== d.cause);

/** A strategy's combination for one instrument. */
export interface Combined {
  /** Σ w·c·d·v over live signals / Σ w over live predictions. */
  readonly signal: number;
  /** The same over live weights. */
  readonly weight: number;
  readonly live: number;
}
const NOTHING: Combined = { signal: 0, weight: 0, live: 0 };

/** How much of its weight a prediction keeps at `now` (1 fresh, 0 expired). */
export const decayAt = (
  cfg: OptimizerConfig,
  modelId: string,
  instrument: string,
  p: LivePrediction,
  now: number,
): number => {
  const rule = cfg.decay(modelId);
  if (rule.kind === 'none') return 1;
  if (rule.kind === 'halfLife') return Math.pow(0.5, Math.max(0, now - p.startAt) / rule.ms);
  if (p.expiresAt === null) return 1;
  const root = rootOf(instrument);
  if (root !== null) {
    // Trading time, like the expiry: a weekend does not wear a prediction out.
    const left = tradingMsBetween(root, now, p.expiresAt);
    const all = tradingMsBetween(root, p.startAt, p.expiresAt);
    if (E.isRight(left) && E.isRight(all) && all.right > 0) return Math.min(1, left.right / all.right);
  }
  const span = p.expiresAt - p.startAt;
  return span > 0 ? Math.min(1, Math.max(0, (p.expiresAt - now) / span)) : 0;
};

/**
 * Live until it expires, from when it is recorded: a CME prediction received while the market
 * is closed applies at once (it replaced the model's previous view in the fold, so gating it
 * on `startAt` would leave the model with no view until the open and flatten the target every
 * weekend). Holding a closed-market target until the open is cme-rollover's job (docs/cme.md);
 * `startAt` only sets where its trading-time decay and expiry count from.
 */
export const isLive = (p: LivePrediction, now: number): boolean => p.expiresAt === null || now < p.expiresAt;

/** Every live prediction of the strategy's models for one instrument, combined. */
export const combine = (
  cfg: OptimizerConfig,
  s: OptimizerState,
  strategy: ResolvedStrategy,
  instrument: string,
  now: number,
): Combined => {
  const preds = predictionsOf(s, instrument);
  if (preds === undefined) return NOTHING;
  let sw = 0;
  let sig = 0;
  let wgt = 0;
  let live = 0;
  for (const [model, w] of strategy.models) {
    const p = preds[model];
    if (p === undefined || !isLive(p, now)) continue;
    const x = w * (p.confidence ?? 1) * decayAt(cfg, model, instrument, p, now) * p.value;
    sw += w;
    live++;
    if (p.kind === 'signal') sig += x;
    else wgt += x;
  }
  return live === 0 ? NOTHING : { signal: sig / sw, weight: wgt / sw, live };
};

interface Sizing {
  readonly instrument: string;
  /** What the signal asks for, in lots (fractional), before any limit. */
  readonly wanted: number;
  lots: number;
  readonly unit: number;
  readonly lotSize: string;
  readonly minLots: number;
  readonly cur: number;
  readonly hasTarget: boolean;
  readonly limits: string[];
  readonly capLots: number;
  readonly notes: string;
}

/** The drawdown scale: 1 down to `start`, then linear to `floor` at `full` (memoryless). */
export const drawdownScale = (acc: ResolvedAccount, equity: number, peak: number): number => {
  const dd = acc.drawdownScaling;
  if (dd === null || !(peak > 0)) return 1;
  const x = 1 - equity / peak;
  if (x <= dd.start) return 1;
  if (x >= dd.full) return dd.floor;
  return 1 - ((1 - dd.floor) * (x - dd.start)) / (dd.full - dd.start);
};

const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x)) + 0;

/** Lots with hysteresis: the current target holds while within 0.5 + h lots of the wanted size. */
export const lotsWithHysteresis = (raw: number, cur: number, h: number): number =>
  Math.abs(raw - cur) <= 0.5 + h ? cur : roundHalfAway(raw);

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(4));
const qtyOf = (lots: number, lotSize: string): string => new Decimal(lotSize).times(lots).toFixed();

/**
 * One decision pass. Pure: the same state, configuration, instant and scope give the same
 * decisions. The engine runs it on every relevant event (scoped) and on every tick (full).
 */
export const rebalance = (
  cfg: OptimizerConfig,
  s: OptimizerState,
  now: number,
  scope: RebalanceScope = FULL_PASS,
): Rebalance => {
  const out: Decision[] = [];
  // Risk changes are recorded after the targets of the same pass: execution lifts a kill switch's
  // pause on the flatten answer, so the zero targets must be folded before it (docs/execution.md).
  const risks: Decision[] = [];
  let sized = 0;

  // 1. Risk.
  const global = desiredGlobalRisk(cfg, s);
  if (differs(s.risk.global, global))
    risks.push({
      stream: GLOBAL_STREAM,
      type: 'RiskStateChanged',
      data: {
        scope: 'global',
        accountId: null,
        from: s.risk.global.state,
        to: global.state,
        cause: global.cause,
        detail: global.detail,
      },
      idParts: ['RiskStateChanged', 'global', s.risk.global.seq + 1],
    });
  const riskOf = new Map<string, Desired>();
  const riskChanged = new Set<string>();
  for (const acc of cfg.accounts.values()) {
    const d = desiredAccountRisk(cfg, s, acc, now);
    riskOf.set(acc.accountId, d);
    const rec = s.risk.accounts[acc.accountId];
    if (differs(rec, d)) {
      riskChanged.add(acc.accountId);
      risks.push({
        stream: accountStream(acc.accountId),
        type: 'RiskStateChanged',
        data: {
          scope: 'account',
          accountId: acc.accountId,
          from: rec?.state ?? 'ACTIVE',
          to: d.state,
          cause: d.cause,
          detail: d.detail,
        },
        idParts: ['RiskStateChanged', acc.accountId, (rec?.seq ?? 0) + 1],
      });
    }
  }

  // An instrument no account trades: say so once.
  for (const i of scope.instruments ?? [])
    if (!cfg.accountsOf.has(i) && s.status[NO_ACCOUNT]?.[i]?.code !== 'instrumentNotTraded')
      out.push({
        stream: GLOBAL_STREAM,
        type: 'TargetWithheld',
        data: {
          accountId: null,
          instrument: i,
          code: 'instrumentNotTraded',
          wantedQty: null,
          detail: `no account in KEEL_CONFIG trades ${i}; its predictions are recorded and not used`,
        },
        idParts: [
          'TargetWithheld',
          NO_ACCOUNT,
          i,
          'instrumentNotTraded',
          (s.status[NO_ACCOUNT]?.[i]?.seq ?? 0) + 1,
        ],
      });

  // 2. Which accounts this pass sizes: every account, or those the scope touches.
  const accounts: ResolvedAccount[] = [];
  const globalChanged = differs(s.risk.global, global);
  for (const acc of cfg.accounts.values()) {
    const touched =
      globalChanged ||
      riskChanged.has(acc.accountId) ||
      (scope.accounts === null && scope.instruments === null) ||
      (scope.accounts !== null && scope.accounts.has(acc.accountId)) ||
      (scope.instruments !== null && acc.instruments.some((i) => scope.instruments?.has(i)));
    if (touched) accounts.push(acc);
  }

  // Combined once per (strategy, instrument) for this pass, shared by every account.
  let combined = 0;

  // Price, volatility and numeric rules once per (venue, instrument) per pass, shared by accounts.
  // Arrays by instrument index (cfg.instrumentList): a pass reads them once per account and
  // instrument, without hashing a key.
  const N = cfg.instrumentList.length;
  const markets = new Map<string, (Market | undefined)[]>();
  const marketsAt = (venue: string | undefined): (Market | undefined)[] => {
    const v = venue ?? '';
    let m = markets.get(v);
    if (m === undefined) markets.set(v, (m = new Array<Market | undefined>(N)));
    return m;
  };
  const marketIn = (
    m: (Market | undefined)[],
    venue: string | undefined,
    i: string,
    slot: number,
  ): Market => {
    let x = m[slot];
    if (x === undefined) {
      const price = priceOf(s, venue, i);
      x = { price, vol: annualVol(i, price), rules: rulesOf(s, venue, i) };
      m[slot] = x;
    }
    return x;
  };
  const combos = new Map<string, (Combined | undefined)[]>();
  const combosOf = (st: ResolvedStrategy): (Combined | undefined)[] => {
    let m = combos.get(st.name);
    if (m === undefined) combos.set(st.name, (m = new Array<Combined | undefined>(N)));
    return m;
  };

  for (const acc of accounts) {
    const a = acc.accountId;
    const risk = worst(global, riskOf.get(a) ?? ACTIVE);
    const targets = s.targets[a] ?? {};
    const status = s.status[a] ?? {};
    const withhold = (
      i: string,
      code: EventData<'TargetWithheld'>['code'],
      detail: string,
      wantedQty: string | null = null,
      afterSet = false,
    ): void => {
      // Once per change of reason; after a target set in this pass, the reason changed.
      if (status[i]?.code === code && !afterSet) return;
      out.push({
        stream: accountStream(a),
        type: 'TargetWithheld',
        data: { accountId: a, instrument: i, code, wantedQty, detail },
        idParts: ['TargetWithheld', a, i, code, (status[i]?.seq ?? 0) + (afterSet ? 2 : 1)],
      });
    };
    const set = (z: Sizing, reason: string): void => {
      const seq = (targets[z.instrument]?.seq ?? 0) + 1;
      const targetQty = qtyOf(z.lots, z.lotSize);
      out.push({
        stream: accountStream(a),
        type: 'TargetPositionSet',
        data: {
          accountId: a,
          instrument: z.instrument,
          targetQty,
          horizonSec: acc.targetHorizonSec,
          reason: reason.slice(0, 500),
        },
        idParts: ['TargetPositionSet', a, z.instrument, seq],
      });
      if (z.limits.length > 0)
        out.push({
          stream: accountStream(a),
          type: 'TargetLimited',
          data: {
            accountId: a,
            instrument: z.instrument,
            wantedQty: qtyOf(roundHalfAway(z.wanted), z.lotSize),
            targetQty,
            limits: [...new Set(z.limits)] as EventData<'TargetLimited'>['limits'],
            detail: `${z.notes}`.slice(0, 500) || [...new Set(z.limits)].join(', '),
          },
          idParts: ['TargetLimited', a, z.instrument, seq],
        });
    };

    // A kill switch set to flatten: every held target to 0, whatever the inputs — also one
    // in an instrument the configuration no longer gives this account.
    if (risk.cause === 'killSwitchFlatten') {
      for (const i of new Set([...acc.instruments, ...Object.keys(targets)])) {
        sized++;
        const t = targets[i];
        if (t === undefined || t.lots === 0) continue;
        const lotSize = t.lots !== 0 ? new Decimal(t.qty).div(t.lots).toFixed() : '1';
        set(
          {
            instrument: i,
            wanted: t.lots,
            lots: 0,
            unit: 0,
            lotSize,
            minLots: 0,
            cur: t.lots,
            hasTarget: true,
            limits: ['killSwitchFlatten'],
            capLots: Infinity,
            notes: risk.detail,
          },
          `flatten: ${risk.detail}`,
        );
      }
      continue;
    }
    if (risk.state === 'HALTED') {
      for (const i of acc.instruments) withhold(i, 'riskHalted', risk.detail);
      sized += acc.instruments.length;
      continue;
    }

    const eq = s.equity[a];
    const equityProblem =
      eq === undefined
        ? (['equityMissing', `no AccountEquityUpdated for ${a} yet`] as const)
        : eq.stale
          ? (['equityStale', `equity of ${a} is stale: ${eq.stale}`] as const)
          : now - eq.asOf > cfg.risk.equityMaxAgeMs
            ? ([
                'equityStale',
                `equity of ${a} is from ${new Date(eq.asOf).toISOString()}, older than ${cfg.risk.equityMaxAgeMs / 1000} s`,
              ] as const)
            : !(eq.equity > 0)
              ? (['equityNotPositive', `equity of ${a} is ${eq.equity}`] as const)
              : null;
    if (equityProblem !== null || eq === undefined) {
      for (const i of acc.instruments) {
        // A held target whose every prediction has expired goes to 0: that needs no equity.
        const t = targets[i];
        const live = [...acc.budgets.keys()].some((name) => {
          const st = cfg.strategies.get(name);
          return st !== undefined && combine(cfg, s, st, i, now).live > 0;
        });
        if (t !== undefined && t.lots !== 0 && !live) {
          const lotSize = new Decimal(t.qty).div(t.lots).toFixed();
          set(
            {
              instrument: i,
              wanted: 0,
              lots: 0,
              unit: 0,
              lotSize,
              minLots: 0,
              cur: t.lots,
              hasTarget: true,
              limits: [],
              capLots: Infinity,
              notes: '',
            },
            `no live prediction: flat (${equityProblem?.[1] ?? 'equity unknown'})`,
          );
          continue;
        }
        withhold(i, equityProblem?.[0] ?? 'equityMissing', equityProblem?.[1] ?? '');
      }
      sized += acc.instruments.length;
      continue;
    }
    const E0 = eq.equity;
    const ddScale = drawdownScale(acc, E0, eq.peak);
    const venue = s.venueOf[a];
    // The account's strategies, resolved once (not per instrument).
    const strats: AccountStrategy[] = [];
    for (const [name, budget] of acc.budgets) {
      const st = cfg.strategies.get(name);
      if (st !== undefined) strats.push({ st, budget, combos: combosOf(st) });
    }
    const comboIn = (x: AccountStrategy, i: string, slot: number): Combined => {
      let c = x.combos[slot];
      if (c === undefined) {
        c = combine(cfg, s, x.st, i, now);
        combined++;
        x.combos[slot] = c;
      }
      return c;
    };
    const venueMarkets = marketsAt(venue);
    const book = currentBook(targets, acc);
    // A prediction changes one instrument: when nothing ties the account's instruments together
    // (no gross or net cap, no risk parity), only that instrument is sized again.
    const independent =
      acc.maxGrossLeverage === null &&
      acc.maxNetLeverage === null &&
      strats.every((x) => x.st.method !== 'riskParity');
    const js: number[] = [];
    const scoped =
      independent &&
      scope.instruments !== null &&
      scope.accounts === null &&
      !riskChanged.has(a) &&
      !globalChanged;
    for (let j = 0; j < acc.instruments.length; j++)
      if (!scoped || scope.instruments?.has(acc.instruments[j] as string)) js.push(j);

    // Risk parity: each strategy's mean inverse volatility over this account's live instruments.
    const invVolMean = new Map<string, number>();
    for (const x of strats) {
      if (x.st.method !== 'riskParity') continue;
      let sum = 0;
      let n = 0;
      for (let j = 0; j < acc.instruments.length; j++) {
        const i = acc.instruments[j] as string;
        const slot = acc.slots[j] as number;
        if (comboIn(x, i, slot).live === 0) continue;
        const v = marketIn(venueMarkets, venue, i, slot).vol;
        if (v === null) continue;
        sum += 1 / v;
        n++;
      }
      invVolMean.set(x.st.name, n > 0 ? sum / n : 0);
    }

    sized += js.length;
    const {
      sizings,
      gross,
      net: net0,
    } = sizePairs({
      cfg,
      now,
      acc,
      js,
      book,
      targets,
      strats,
      comboIn,
      venue,
      venueMarkets,
      marketIn,
      invVolMean,
      withhold,
      E0,
      ddScale,
    });
    let net = net0;

    // Account caps: scale every position by one factor.
    let binding = false;
    const grossCap = acc.maxGrossLeverage === null ? Infinity : acc.maxGrossLeverage * E0;
    const netCap = acc.maxNetLeverage === null ? Infinity : acc.maxNetLeverage * E0;
    if (gross > grossCap) {
      const f = grossCap / gross;
      for (const z of sizings) {
        if (z.lots === 0) continue;
        z.lots *= f;
        z.limits.push('accountGross');
      }
      net *= f;
      binding = true;
    }
    if (Math.abs(net) > netCap) {
      const f = netCap / Math.abs(net);
      for (const z of sizings) {
        if (z.lots === 0) continue;
        z.lots *= f;
        z.limits.push('accountNet');
      }
      binding = true;
    }
    const chosen = wholeLots(sizings, binding, cfg.risk.hysteresis, grossCap, netCap);
    sizings.forEach((z, k) => (z.lots = chosen[k] ?? 0));

    // Pre-trade checks, on what adds risk from `from` (a move toward 0 is never refused).
    const refusal = (z: Sizing, lots: number, from: number): Refusal | null => {
      const change = Math.abs(lots - from) * z.unit;
      const adds = Math.abs(lots) > Math.abs(from) || Math.sign(lots) * Math.sign(from) < 0;
      const notional = Math.abs(lots) * z.unit;
      if (adds && cfg.risk.maxTargetNotional !== null && notional > cfg.risk.maxTargetNotional)
        return {
          kind: 'withhold',
          code: 'maxTargetNotional',
          detail: `target notional ${fmt(notional)} > maximum ${cfg.risk.maxTargetNotional}`,
          wantedQty: qtyOf(lots, z.lotSize),
        };
      if (adds && cfg.risk.maxChangePerRebalance !== null && change > cfg.risk.maxChangePerRebalance * E0)
        return {
          kind: 'withhold',
          code: 'maxChangePerRebalance',
          detail: `change worth ${fmt(change)} > ${pct(cfg.risk.maxChangePerRebalance)} of equity ${E0}`,
          wantedQty: qtyOf(lots, z.lotSize),
        };
      return null;
    };
    const verdicts = sizings.map((z): Verdict => {
      let lots = z.lots;
      if (lots !== 0 && Math.abs(lots) < z.minLots) {
        lots = 0;
        z.limits.push('minQty');
      }
      // REDUCING: only toward 0 from the current target.
      if (risk.state === 'REDUCING') {
        const capped =
          Math.sign(lots) !== Math.sign(z.cur)
            ? 0
            : Math.sign(z.cur) * Math.min(Math.abs(lots), Math.abs(z.cur));
        if (capped !== lots) {
          lots = capped + 0;
          z.limits.push('riskReducing');
        }
      }
      z.lots = lots;
      if (lots === z.cur && z.hasTarget) return KEEP;
      if (!z.hasTarget && lots === 0) return KEEP;
      const change = Math.abs(lots - z.cur) * z.unit;
      const flipOrFlat = lots === 0 || Math.sign(lots) !== Math.sign(z.cur);
      if (!flipOrFlat && change < cfg.risk.deadband * E0) return HELD;
      return refusal(z, lots, z.cur) ?? SET;
    });
    fitBook(sizings, verdicts, grossCap, netCap, refusal);

    sizings.forEach((z, k) => {
      const v = verdicts[k] ?? KEEP;
      if (v.kind === 'withhold') withhold(z.instrument, v.code, v.detail, v.wantedQty);
      if (v.kind !== 'set' || (z.lots === z.cur && z.hasTarget) || (!z.hasTarget && z.lots === 0)) return;
      const why =
        z.unit === 0
          ? 'no live prediction: flat'
          : `signal asks ${fmt((z.wanted * z.unit) / E0)} × equity ${E0}`;
      set(z, z.notes ? `${why}; ${z.notes}` : why);
      // A refused change whose current target a cap then cut: the cut is set, the refusal
      // still stands and is said after it (the next pass would conclude the same).
      if (v.refused !== undefined)
        withhold(z.instrument, v.refused.code, v.refused.detail, v.refused.wantedQty, true);
    });
  }
  return { decisions: [...out, ...risks], stats: { combined, sized } };
};

const truncLots = (x: number): number => Math.trunc(x + Math.sign(x) * 1e-9) + 0;
const INSTRUMENT_CAPS: readonly string[] = ['instrumentPosition', 'instrumentNotional'];

/**
 * Whole lots from the sized (fractional) ones: hysteresis around the current target where the
 * caps allow, toward 0 where a cap cut the size (a rounded-up lot must not break the cap it
 * was cut to). Each branch gives a fixed point — deciding again from the targets it set picks
 * the same lots — so recording a pass and running it again never churns:
 *  - an account cap scaled the sizes: truncate (depends on the sizes only);
 *  - hysteresis from the current targets fits the caps: take it (it holds what it set);
 *  - plain rounding fits: take it (hysteresis holds a rounded size);
 *  - else truncate, then hysteresis from there if that fits (otherwise the truncation; from
 *    it the same test fails again). Taking the truncation straight away would let the next
 *    pass, starting from it, round some lots up again: a second change with no new input.
 */
const wholeLots = (
  sizings: readonly Sizing[],
  binding: boolean,
  h: number,
  grossCap: number,
  netCap: number,
): number[] => {
  const raws = sizings.map((z) => z.lots);
  const trunc = raws.map(truncLots);
  if (binding) return trunc;
  const capped = (z: Sizing): boolean => z.limits.some((l) => INSTRUMENT_CAPS.includes(l));
  /** Lots with hysteresis from `cur` (null: plain rounding). */
  const from = (cur: ((k: number) => number) | null): number[] =>
    sizings.map((z, k) => {
      const raw = raws[k] ?? 0;
      if (capped(z)) return truncLots(raw);
      const held = cur === null ? roundHalfAway(raw) : lotsWithHysteresis(raw, cur(k), h);
      // |raw| ≤ capLots, a whole number: rounding stays within it, holding may not.
      return Math.abs(held) > z.capLots ? roundHalfAway(raw) : held;
    });
  const fits = (lots: readonly number[]): boolean => {
    let g = 0;
    let n = 0;
    sizings.forEach((z, k) => {
      g += Math.abs((lots[k] ?? 0) * z.unit);
      n += (lots[k] ?? 0) * z.unit;
    });
    return g <= grossCap * (1 + 1e-12) && Math.abs(n) <= netCap * (1 + 1e-12);
  };
  const held = from((k) => sizings[k]?.cur ?? 0);
  if (fits(held)) return held;
  const rounded = from(null);
  if (fits(rounded)) return rounded;
  const fromTrunc = from((k) => trunc[k] ?? 0);
  return fits(fromTrunc) ? fromTrunc : trunc;
};

/** A pre-trade check's refusal of a change. */
interface Refusal {
  readonly kind: 'withhold';
  readonly code: 'maxTargetNotional' | 'maxChangePerRebalance';
  readonly detail: string;
  readonly wantedQty: string;
}
/**
 * What becomes of one sizing: nothing, held by the deadband, withheld by a pre-trade check, or
 * set (with the refusal still standing after a cap cut the current target).
 */
type Verdict =
  { readonly kind: 'keep' | 'held' } | { readonly kind: 'set'; readonly refused?: Refusal } | Refusal;
const KEEP: Verdict = { kind: 'keep' };
const HELD: Verdict = { kind: 'held' };
const SET: Verdict = { kind: 'set' };

/**
 * The book the verdicts leave (a set target, or the current one where nothing is set) must
 * fit the account's gross and net caps; the sizing fitted the caps, but what comes after it
 * keeps current targets in places: the deadband, a refused flip, REDUCING holding one side,
 * offsetting lots truncated to 0. Whole lots then come off the biggest position on the side
 * over the cap (a move toward 0, which neither REDUCING nor a pre-trade check refuses) until it
 * fits. Held changes stay held: releasing them all would re-set every target of an account
 * whose cap binds on each prediction (thousands of events a prediction at 500 instruments).
 * Mutates `sizings` (lots, limits) and `verdicts`.
 */
const fitBook = (
  sizings: Sizing[],
  verdicts: Verdict[],
  grossCap: number,
  netCap: number,
  /** The pre-trade checks: the refusal of `lots` measured from `from` (null: they pass). */
  refusal: (z: Sizing, lots: number, from: number) => Refusal | null,
): void => {
  const wanted = sizings.map((z) => z.lots);
  const finalOf = (k: number): number => {
    const z = sizings[k] as Sizing;
    return verdicts[k]?.kind === 'set' ? z.lots : z.cur;
  };
  const excess = (): { gross: number; net: number; side: number } => {
    let g = 0;
    let n = 0;
    sizings.forEach((z, k) => {
      g += Math.abs(finalOf(k) * z.unit);
      n += finalOf(k) * z.unit;
    });
    return { gross: g - grossCap * (1 + 1e-12), net: Math.abs(n) - netCap * (1 + 1e-12), side: Math.sign(n) };
  };
  const first = excess();
  if (!(first.gross > 0) && !(first.net > 0)) return;
  // Each round takes at least one lot off a non-zero position: it ends.
  for (;;) {
    const x = excess();
    const byNet = x.net > 0;
    if (!byNet && !(x.gross > 0)) return;
    let best = -1;
    sizings.forEach((z, k) => {
      const f = finalOf(k);
      if (f === 0 || z.unit === 0 || (byNet && Math.sign(f) !== x.side)) return;
      const b = sizings[best];
      if (b === undefined || Math.abs(f * z.unit) > Math.abs(finalOf(best) * b.unit)) best = k;
    });
    const z = sizings[best];
    if (z === undefined) return;
    const f = finalOf(best);
    const cut = Math.max(1, Math.min(Math.abs(f), Math.ceil((byNet ? x.net : x.gross) / z.unit - 1e-9)));
    let lots = f - Math.sign(f) * cut + 0;
    if (lots !== 0 && Math.abs(lots) < z.minLots) lots = 0;
    z.lots = lots;
    z.limits.push(byNet ? 'accountNet' : 'accountGross');
    // The pre-trade checks still measure this pass's change from the current target (a cut
    // never launders a refused change). The next pass measures from the cut target: what it
    // would still refuse is said now, after the cut, so it need not be said again; what it
    // would accept, it sets then (one allowed step a pass: that is what the check limits).
    const refused = refusal(z, wanted[best] ?? 0, lots);
    verdicts[best] = refused === null ? SET : { kind: 'set', refused };
  }
};

/** Everything a pass hands the per-instrument sizing of one account. */
interface PairInput {
  readonly cfg: OptimizerConfig;
  readonly now: number;
  readonly acc: ResolvedAccount;
  readonly js: readonly number[];
  readonly book: CurrentBook;
  readonly targets: OptimizerState['targets'][string];
  readonly strats: readonly AccountStrategy[];
  readonly comboIn: (x: AccountStrategy, i: string, slot: number) => Combined;
  readonly venue: string | undefined;
  readonly venueMarkets: (Market | undefined)[];
  readonly marketIn: (
    m: (Market | undefined)[],
    venue: string | undefined,
    i: string,
    slot: number,
  ) => Market;
  readonly invVolMean: ReadonlyMap<string, number>;
  readonly withhold: (i: string, code: EventData<'TargetWithheld'>['code'], detail: string) => void;
  readonly E0: number;
  readonly ddScale: number;
}

/**
 * The per-instrument half of sizing an account, apart from `rebalance` so the engine can
 * optimise this hot loop on its own (one call per account, one iteration per instrument).
 */
const sizePairs = (p: PairInput): { sizings: Sizing[]; gross: number; net: number } => {
  const {
    cfg,
    now,
    acc,
    js,
    book,
    targets,
    strats,
    comboIn,
    venue,
    venueMarkets,
    marketIn,
    invVolMean,
    withhold,
    E0,
    ddScale,
  } = p;
  const sizings: Sizing[] = [];
  let gross = 0;
  let net = 0;
  for (const j of js) {
    const i = acc.instruments[j] as string;
    const slot = acc.slots[j] as number;
    const cur = book.lots[j] as number;
    const hasTarget = book.has[j] === 1;
    // The signal, as a share of equity.
    let x = 0;
    let live = 0;
    let volMissing = false;
    let market: Market | undefined;
    for (const k of strats) {
      const c = comboIn(k, i, slot);
      if (c.live === 0) continue;
      live += c.live;
      let f = k.budget * (acc.leverage * c.signal + c.weight);
      const st = k.st;
      if (st.volTarget !== null || st.method === 'riskParity') {
        market ??= marketIn(venueMarkets, venue, i, slot);
        const v = market.vol;
        if (v === null) {
          volMissing = true;
          continue;
        }
        if (st.volTarget !== null) f *= Math.min(st.maxVolScale, st.volTarget / v);
        if (st.method === 'riskParity') {
          const mean = invVolMean.get(st.name) ?? 0;
          if (mean > 0) f *= 1 / v / mean;
        }
      }
      x += f;
    }
    if (volMissing && live > 0) {
      withhold(i, 'volatilityMissing', `fewer than the returns needed to estimate the volatility of ${i}`);
      continue;
    }
    if (x === 0 || live === 0) {
      // Nothing live: the target goes to 0 (no price needed); never set and flat: nothing to say.
      const t = targets[i];
      if (t === undefined || cur === 0) continue;
      const lotSize = new Decimal(t.qty).div(t.lots).toFixed();
      sizings.push({
        instrument: i,
        wanted: 0,
        lots: 0,
        unit: 0,
        lotSize,
        minLots: 0,
        cur,
        hasTarget: true,
        limits: [],
        capLots: Infinity,
        notes: '',
      });
      continue;
    }
    market ??= marketIn(venueMarkets, venue, i, slot);
    const price = market.price;
    if (price === undefined) {
      withhold(
        i,
        'priceMissing',
        `no quote for ${i}${rootOf(i) !== null ? ' (or no mapped contract)' : ` at ${venue ?? 'an unknown venue'}`}`,
      );
      continue;
    }
    if (priceAge(i, price.at, now) > cfg.risk.priceMaxAgeMs) {
      withhold(i, 'priceStale', `the last quote of ${i} is from ${new Date(price.at).toISOString()}`);
      continue;
    }
    const rules = market.rules;
    if (rules === null) {
      withhold(
        i,
        'rulesMissing',
        `no trading rules for ${i} at ${venue ?? 'an unknown venue'} (InstrumentsListed)`,
      );
      continue;
    }
    const unit = price.mid * rules.contractSize * rules.lot;
    const notional = x * E0 * ddScale;
    const wanted = (x * E0) / unit;
    let lots = notional / unit;
    const limits: string[] = [];
    let notes = '';
    if (ddScale < 1) {
      limits.push('drawdownScaling');
      notes = `drawdown scale ${fmt(ddScale)}`;
    }
    const lim = acc.limitsAt[j];
    let capLots = Infinity;
    if (lim?.maxQty != null) capLots = Math.floor(lim.maxQty / rules.lot + 1e-9);
    if (lim?.maxNotional != null) {
      const c = Math.floor(lim.maxNotional / unit + 1e-9);
      if (c < capLots) capLots = c;
    }
    if (Math.abs(lots) > capLots) {
      lots = Math.sign(lots) * capLots;
      limits.push(
        lim?.maxQty != null && capLots === Math.floor(lim.maxQty / rules.lot + 1e-9)
          ? 'instrumentPosition'
          : 'instrumentNotional',
      );
    }
    gross += Math.abs(lots * unit);
    net += lots * unit;
    sizings.push({
      instrument: i,
      wanted,
      lots,
      unit,
      lotSize: rules.lotSize,
      minLots: rules.minLots,
      cur,
      hasTarget,
      limits,
      capLots,
      notes,
    });
  }
  return { sizings, gross, net };
};

const worst = (a: Desired, b: Desired): Desired =>
  SEVERITY[b.state] > SEVERITY[a.state] ? b : a.state === b.state && b.cause === 'killSwitchFlatten' ? b : a;

/** The price an account sizes with: its venue's quote, or a CME root's mapped contract. */
export const priceOf = (s: OptimizerState, venue: string | undefined, i: string) =>
  rootOf(i) !== null
    ? priceAt(s, priceKey(ANY_VENUE, i))
    : venue === undefined
      ? undefined
      : priceAt(s, priceKey(venue, i));

interface NumRules {
  readonly lot: number;
  readonly lotSize: string;
  readonly contractSize: number;
  readonly minLots: number;
}
/** One of an account's strategies, with the pass's combinations of it by instrument index. */
interface AccountStrategy {
  readonly st: ResolvedStrategy;
  readonly budget: number;
  readonly combos: (Combined | undefined)[];
}

/** An account's current targets as arrays aligned with its instruments (lots; 1 where one was set). */
interface CurrentBook {
  readonly acc: ResolvedAccount;
  readonly lots: Float64Array;
  readonly has: Uint8Array;
}
const books = new WeakMap<object, CurrentBook>();
/**
 * Memoised by the targets record itself: the fold replaces an account's record when one of its
 * targets changes, so an unchanged record maps to the same arrays and a steady pass looks no
 * target up by key (that lookup was a third of a pass at 500 instruments × 200 accounts).
 */
const currentBook = (targets: OptimizerState['targets'][string], acc: ResolvedAccount): CurrentBook => {
  const hit = books.get(targets);
  if (hit !== undefined && hit.acc === acc) return hit;
  const n = acc.instruments.length;
  const book: CurrentBook = { acc, lots: new Float64Array(n), has: new Uint8Array(n) };
  for (let j = 0; j < n; j++) {
    const t = targets[acc.instruments[j] as string];
    if (t === undefined) continue;
    book.lots[j] = t.lots;
    book.has[j] = 1;
  }
  books.set(targets, book);
  return book;
};

/**
 * How old a quote is: wall time for crypto; for a CME root, trading time (a quote from just
 * before Friday's close is still the last word on Saturday, not a stale one).
 */
export const priceAge = (instrument: string, at: number, now: number): number => {
  const root = rootOf(instrument);
  if (root === null) return now - at;
  const traded = tradingMsBetween(root, at, now);
  return E.isRight(traded) ? traded.right : now - at;
};

/** What a pass needs of one instrument at one venue, looked up once per pass. */
interface Market {
  readonly price: PriceFacts | undefined;
  readonly vol: number | null;
  readonly rules: NumRules | null;
}

const cmeRules = new Map<string, NumRules | null>();
/** Lots and contract size: the venue's listing, or for a CME root whole contracts of its multiplier. */
export const rulesOf = (s: OptimizerState, venue: string | undefined, i: string): NumRules | null => {
  const root = rootOf(i);
  if (root !== null) {
    if (!cmeRules.has(root)) {
      const spec = lookupProduct(root);
      cmeRules.set(
        root,
        E.isRight(spec)
          ? { lot: 1, lotSize: '1', contractSize: Number(spec.right.multiplier), minLots: 0 }
          : null,
      );
    }
    return cmeRules.get(root) ?? null;
  }
  const r = venue === undefined ? undefined : s.rules[venue]?.[i];
  if (r === undefined) return null;
  const lot = Number(r.lotSize);
  return { lot, lotSize: r.lotSize, contractSize: Number(r.contractSize), minLots: Number(r.minQty) / lot };
};
