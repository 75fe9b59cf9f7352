/**
 * The optimizer's configuration: one JSON document (the file `KEEL_CONFIG` names) of models,
 * strategies, instruments, accounts and limits (docs/optimizer.md has an annotated example).
 * Decoded once at start-up; every mistake names its JSON pointer and the value found, and a
 * document with one stops the app. Pure: the app, the benchmark and the specs resolve the same
 * text the same way.
 */
import * as E from 'fp-ts/Either';
import { Static, TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { validationError, ValidationError } from '@keel/events';

const Fraction = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
const PositiveNumber = (description: string) => Type.Number({ exclusiveMinimum: 0, description });
const Key = Type.String({ pattern: '^[A-Za-z0-9_.:/@-]{1,64}$' });
const DecimalText = Type.String({ pattern: '^\\d+(\\.\\d+)?$' });

const Decay = Type.Union([
  Type.Literal('none'),
  /** From 1 when generated to 0 at expiry (none when the prediction has no expiry). */
  Type.Literal('linear'),
  Type.Object(
    { halfLifeSec: PositiveNumber('half-life of the weight, seconds') },
    { additionalProperties: false },
  ),
]);

const ModelConfig = Type.Object({ decay: Type.Optional(Decay) }, { additionalProperties: false });

const StrategyConfig = Type.Object(
  {
    /** Model id → its weight in this strategy (> 0). */
    models: Type.Record(Key, PositiveNumber('model weight'), { minProperties: 1 }),
    /** `signal`: size each instrument by its signal; `riskParity`: and by inverse volatility. */
    method: Type.Optional(Type.Union([Type.Literal('signal'), Type.Literal('riskParity')])),
    /** Annualised volatility to scale each instrument to (0.2 = 20 %); null: no vol targeting. */
    volTarget: Type.Optional(Type.Union([PositiveNumber('annualised volatility'), Type.Null()])),
    /** The most vol targeting may scale a position up (× the unscaled size). */
    maxVolScale: Type.Optional(PositiveNumber('maximum vol scale')),
  },
  { additionalProperties: false },
);

const InstrumentLimits = Type.Object(
  {
    /** Largest position, venue units (contracts; whole contracts for `CME:<ROOT>`). */
    maxQty: Type.Optional(DecimalText),
    /** Largest notional, in the account's currency. */
    maxNotional: Type.Optional(DecimalText),
  },
  { additionalProperties: false },
);

const DrawdownScaling = Type.Object(
  {
    /** Drawdown from the equity peak at which scaling starts (exposure × 1 up to here). */
    start: Fraction('drawdown where scaling starts'),
    /** Drawdown at which exposure reaches `floor`. */
    full: Fraction('drawdown where scaling is full'),
    /** The smallest scale (0: flat at `full`). */
    floor: Fraction('smallest scale'),
  },
  { additionalProperties: false },
);

const AccountConfig = Type.Object(
  {
    /** Strategy name → the share of the account's equity it may use. */
    strategies: Type.Record(
      Key,
      Type.Object({ budget: Fraction('share of equity') }, { additionalProperties: false }),
      { minProperties: 1 },
    ),
    /** The instruments this account trades; absent: every instrument in `instruments`. */
    instruments: Type.Optional(Type.Array(Key, { minItems: 1, uniqueItems: true })),
    /** Notional per unit of equity at a full signal (1 = unlevered). */
    leverage: Type.Optional(PositiveNumber('target leverage')),
    /** Caps: Σ|notional| and |Σ notional| per unit of equity. */
    maxGrossLeverage: Type.Optional(PositiveNumber('gross leverage cap')),
    maxNetLeverage: Type.Optional(PositiveNumber('net leverage cap')),
    /** Per-instrument caps over the instrument's own. */
    limits: Type.Optional(Type.Record(Key, InstrumentLimits)),
    /** Loss since the day's first equity (UTC day) at which the account is REDUCING for the day. */
    dailyLossLimit: Type.Optional(Type.Union([Fraction('daily loss limit'), Type.Null()])),
    /** Drawdown from the peak at which the account is HALTED until released. */
    maxDrawdown: Type.Optional(Type.Union([Fraction('maximum drawdown'), Type.Null()])),
    drawdownScaling: Type.Optional(Type.Union([DrawdownScaling, Type.Null()])),
    /** TWAP horizon of the targets set for this account (seconds). */
    targetHorizonSec: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

const RiskConfig = Type.Object(
  {
    /** Equity older than this (by its `asOf`) is stale: no target. */
    equityMaxAgeSec: Type.Optional(PositiveNumber('equity max age')),
    /** A quote older than this is stale: no target. */
    priceMaxAgeSec: Type.Optional(PositiveNumber('price max age')),
    /** A change worth less than this share of equity sets no new target. */
    deadband: Type.Optional(Fraction('deadband, share of equity')),
    /** Lots a target must move past the nearest whole lot before it changes (0 ≤ h < 0.5). */
    hysteresis: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 0.5 })),
    /** Pre-trade: a target worth more than this (account currency) is rejected. */
    maxTargetNotional: Type.Optional(Type.Union([DecimalText, Type.Null()])),
    /** Pre-trade: a change worth more than this share of equity is rejected. */
    maxChangePerRebalance: Type.Optional(Type.Union([PositiveNumber('max change'), Type.Null()])),
    /** What a kill switch does: hold every target (`freeze`) or set them to 0 (`flatten`). */
    killSwitch: Type.Optional(Type.Union([Type.Literal('freeze'), Type.Literal('flatten')])),
  },
  { additionalProperties: false },
);

export const OptimizerConfigSchema = Type.Object(
  {
    models: Type.Optional(Type.Record(Key, ModelConfig)),
    strategies: Type.Record(Key, StrategyConfig, { minProperties: 1 }),
    /** Every instrument the optimizer may set a target for, with its caps. */
    instruments: Type.Record(Key, InstrumentLimits, { minProperties: 1 }),
    accounts: Type.Record(Key, AccountConfig, { minProperties: 1 }),
    risk: Type.Optional(RiskConfig),
    /** Decision tick on the injected clock (ms): expiries, staleness, risk. */
    tickMs: Type.Optional(Type.Integer({ minimum: 10 })),
  },
  { additionalProperties: false },
);
export type OptimizerConfigText = Static<typeof OptimizerConfigSchema>;

export type DecayRule =
  | { readonly kind: 'none' }
  | { readonly kind: 'linear' }
  | { readonly kind: 'halfLife'; readonly ms: number };

export interface Limits {
  readonly maxQty: number | null;
  readonly maxNotional: number | null;
}

export interface ResolvedStrategy {
  readonly name: string;
  readonly models: ReadonlyMap<string, number>;
  readonly method: 'signal' | 'riskParity';
  readonly volTarget: number | null;
  readonly maxVolScale: number;
}

export interface ResolvedAccount {
  readonly accountId: string;
  /** Strategy name → budget (share of equity). */
  readonly budgets: ReadonlyMap<string, number>;
  readonly instruments: readonly string[];
  readonly leverage: number;
  readonly maxGrossLeverage: number | null;
  readonly maxNetLeverage: number | null;
  readonly limits: ReadonlyMap<string, Limits>;
  /** Aligned with `instruments`: each one's index in `OptimizerConfig.instrumentList`, and its caps. */
  readonly slots: readonly number[];
  readonly limitsAt: readonly Limits[];
  readonly dailyLossLimit: number | null;
  readonly maxDrawdown: number | null;
  readonly drawdownScaling: { readonly start: number; readonly full: number; readonly floor: number } | null;
  readonly targetHorizonSec: number;
}

export interface ResolvedRisk {
  readonly equityMaxAgeMs: number;
  readonly priceMaxAgeMs: number;
  readonly deadband: number;
  readonly hysteresis: number;
  readonly maxTargetNotional: number | null;
  readonly maxChangePerRebalance: number | null;
  readonly killSwitch: 'freeze' | 'flatten';
}

export interface OptimizerConfig {
  readonly decay: (modelId: string) => DecayRule;
  readonly strategies: ReadonlyMap<string, ResolvedStrategy>;
  /** Instrument → the strategies that have it in an account's list (combined once each). */
  readonly accounts: ReadonlyMap<string, ResolvedAccount>;
  readonly instruments: ReadonlySet<string>;
  /** The instruments in a fixed order: a pass keeps per-instrument data in arrays by this index. */
  readonly instrumentList: readonly string[];
  /** Instrument → accounts that trade it. */
  readonly accountsOf: ReadonlyMap<string, readonly string[]>;
  /** Model id → the strategies that use it. */
  readonly strategiesOf: ReadonlyMap<string, readonly string[]>;
  readonly risk: ResolvedRisk;
  readonly tickMs: number;
  /** The document as decoded (recorded in OptimizerConfigApplied). */
  readonly document: OptimizerConfigText;
}

export const DEFAULTS = {
  leverage: 1,
  maxVolScale: 3,
  targetHorizonSec: 900,
  equityMaxAgeSec: 300,
  priceMaxAgeSec: 60,
  deadband: 0.001,
  hysteresis: 0.25,
  tickMs: 1_000,
} as const;

/** Reserved for the optimizer's own streams (`portfolio-global`, `portfolio-config`). */
const RESERVED_ACCOUNTS = ['global', 'config'];

const check = TypeCompiler.Compile(OptimizerConfigSchema);

const shown = (v: unknown): unknown => {
  const s = JSON.stringify(v);
  return s !== undefined && s.length > 80 ? `${s.slice(0, 77)}...` : v;
};

const fail = (key: string, path: string, value: unknown, message: string): E.Either<ValidationError, never> =>
  E.left(validationError(`${key}${path}`, shown(value), message));

/**
 * A JSON pointer from its tokens (RFC 6901: `~` → `~0`, `/` → `~1`), as the schema's errors
 * write theirs: an instrument key such as `BTC/USDT:USDT` must not read as three levels.
 */
const pointer = (...tokens: readonly (string | number)[]): string =>
  tokens.map((t) => `/${String(t).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/**
 * The same string as an internalised property key: a pass looks each instrument up in records
 * keyed by it (targets, statuses) for every account, and a key the engine has not internalised
 * costs a string-table probe on every lookup.
 */
const intern = (key: string): string => Object.keys({ [key]: 0 })[0] ?? key;

const decimal = (s: string | undefined): number | null => (s === undefined ? null : Number(s));

const limitsOf = (l: Static<typeof InstrumentLimits> | undefined): Limits => ({
  maxQty: decimal(l?.maxQty),
  maxNotional: decimal(l?.maxNotional),
});

/** The tighter of two caps (null: none). */
const tighter = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

/**
 * A parsed JSON document → the resolved configuration. `key` prefixes every error path (the
 * setting's name, `KEEL_CONFIG`), so a message reads `KEEL_CONFIG/accounts/acc-1/leverage`.
 */
export const resolveOptimizerConfig = (
  doc: unknown,
  key = 'KEEL_CONFIG',
): E.Either<ValidationError, OptimizerConfig> => {
  if (!check.Check(doc)) {
    const first = [...check.Errors(doc)][0];
    if (first === undefined) return fail(key, '', doc, 'is not a valid optimizer configuration');
    const schema = first.schema as TSchema & { description?: string };
    const what = schema.description ? ` (${schema.description})` : '';
    return fail(key, first.path, first.value, `${first.message}${what}`);
  }
  const c = doc;
  const strategies = new Map<string, ResolvedStrategy>();
  const strategiesOf = new Map<string, string[]>();
  for (const [name, s] of Object.entries(c.strategies)) {
    strategies.set(name, {
      name,
      models: new Map(Object.entries(s.models)),
      method: s.method ?? 'signal',
      volTarget: s.volTarget ?? null,
      maxVolScale: s.maxVolScale ?? DEFAULTS.maxVolScale,
    });
    for (const m of Object.keys(s.models)) strategiesOf.set(m, [...(strategiesOf.get(m) ?? []), name]);
  }
  for (const m of Object.keys(c.models ?? {}))
    if (!strategiesOf.has(m))
      return fail(
        key,
        pointer('models', m),
        m,
        'is a model no strategy uses (add it to a strategy or remove it)',
      );
  const instruments = new Set(Object.keys(c.instruments));
  const instrumentList = [...instruments];
  const accounts = new Map<string, ResolvedAccount>();
  const accountsOf = new Map<string, string[]>();
  for (const [id, a] of Object.entries(c.accounts)) {
    const at = pointer('accounts', id);
    if (RESERVED_ACCOUNTS.includes(id))
      return fail(key, at, id, `is reserved (${RESERVED_ACCOUNTS.join(', ')})`);
    for (const s of Object.keys(a.strategies))
      if (!strategies.has(s))
        return fail(key, `${at}${pointer('strategies', s)}`, s, 'is not a strategy in /strategies');
    const budget = Object.values(a.strategies).reduce((t, s) => t + s.budget, 0);
    if (budget > 1 + 1e-9)
      return fail(
        key,
        `${at}/strategies`,
        budget,
        'budgets must add up to at most 1 (a share of equity each)',
      );
    const traded = (a.instruments ?? [...instruments]).map(intern);
    for (const [i, inst] of traded.entries())
      if (!instruments.has(inst))
        return fail(key, `${at}${pointer('instruments', i)}`, inst, 'is not an instrument in /instruments');
    const limits = new Map<string, Limits>();
    for (const inst of traded) {
      const own = limitsOf(c.instruments[inst]);
      const acc = limitsOf(a.limits?.[inst]);
      limits.set(inst, {
        maxQty: tighter(own.maxQty, acc.maxQty),
        maxNotional: tighter(own.maxNotional, acc.maxNotional),
      });
    }
    for (const inst of Object.keys(a.limits ?? {}))
      if (!traded.includes(inst))
        return fail(key, `${at}${pointer('limits', inst)}`, inst, 'is not an instrument this account trades');
    const dd = a.drawdownScaling ?? null;
    if (dd !== null && !(dd.start < dd.full))
      return fail(key, `${at}/drawdownScaling`, dd, 'start must be below full');
    accounts.set(id, {
      accountId: id,
      budgets: new Map(Object.entries(a.strategies).map(([s, v]) => [s, v.budget])),
      instruments: traded,
      slots: traded.map((i) => instrumentList.indexOf(i)),
      limitsAt: traded.map((i) => limits.get(i) ?? { maxQty: null, maxNotional: null }),
      leverage: a.leverage ?? DEFAULTS.leverage,
      maxGrossLeverage: a.maxGrossLeverage ?? null,
      maxNetLeverage: a.maxNetLeverage ?? null,
      limits,
      dailyLossLimit: a.dailyLossLimit ?? null,
      maxDrawdown: a.maxDrawdown ?? null,
      drawdownScaling: dd,
      targetHorizonSec: a.targetHorizonSec ?? DEFAULTS.targetHorizonSec,
    });
    for (const inst of traded) accountsOf.set(inst, [...(accountsOf.get(inst) ?? []), id]);
  }
  const r = c.risk ?? {};
  const decays = new Map<string, DecayRule>();
  for (const [m, mc] of Object.entries(c.models ?? {})) {
    const d = mc.decay ?? 'linear';
    decays.set(
      m,
      d === 'none'
        ? { kind: 'none' }
        : d === 'linear'
          ? { kind: 'linear' }
          : { kind: 'halfLife', ms: d.halfLifeSec * 1000 },
    );
  }
  return E.right({
    decay: (m) => decays.get(m) ?? { kind: 'linear' },
    strategies,
    strategiesOf,
    accounts,
    accountsOf,
    instruments,
    instrumentList,
    risk: {
      equityMaxAgeMs: (r.equityMaxAgeSec ?? DEFAULTS.equityMaxAgeSec) * 1000,
      priceMaxAgeMs: (r.priceMaxAgeSec ?? DEFAULTS.priceMaxAgeSec) * 1000,
      deadband: r.deadband ?? DEFAULTS.deadband,
      hysteresis: r.hysteresis ?? DEFAULTS.hysteresis,
      maxTargetNotional:
        r.maxTargetNotional === undefined || r.maxTargetNotional === null
          ? null
          : Number(r.maxTargetNotional),
      maxChangePerRebalance: r.maxChangePerRebalance ?? null,
      killSwitch: r.killSwitch ?? 'freeze',
    },
    tickMs: c.tickMs ?? DEFAULTS.tickMs,
    document: Value.Clone(c),
  });
};

/** JSON text → the resolved configuration; a parse error names the key and where it failed. */
export const parseOptimizerConfig = (
  text: string,
  key = 'KEEL_CONFIG',
): E.Either<ValidationError, OptimizerConfig> => {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return E.left(
      validationError(
        key,
        text.length > 80 ? `${text.slice(0, 77)}...` : text,
        `is not JSON: ${(err as Error).message}`,
      ),
    );
  }
  return resolveOptimizerConfig(doc, key);
};

/** Top-level-and-below key paths whose values differ between two documents (for the change event). */
export const changedKeys = (before: unknown, after: unknown, path = ''): string[] => {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(before) || !isObj(after) || path.split('/').length > 3) return [path === '' ? '/' : path];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((k) => changedKeys(before[k], after[k], `${path}/${k}`));
};
