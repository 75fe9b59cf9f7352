/**
 * The balance-aggregator's settings: the reporting currency, when an account's or the
 * portfolio's equity is worth recording again, when figures count as stale, the drift grace,
 * the operator's declared rates and the team's own collateral ratios per account. Every error
 * names its JSON pointer and the value.
 */
import * as E from 'fp-ts/Either';
import Decimal from 'decimal.js';
import { ValidationError, validationError } from '@keel/events';

export interface BalancesConfig {
  /** The currency every account and the portfolio are valued in. */
  readonly reportingCurrency: string;
  /** Relative move of equity (0.0005 = 5 bp) worth a new AccountEquityUpdated / PortfolioValued. */
  readonly deadband: Decimal;
  /** Record equity at least this often (event time) while an account's figures arrive. */
  readonly heartbeatMs: number;
  /** An account whose last snapshot is older than this is stale (the gateway heartbeats every 60 s). */
  readonly staleAfterMs: number;
  /** How long a venue position may disagree with the fills before PositionDriftDetected. */
  readonly driftGraceMs: number;
  /**
   * Rates the operator declares, asset → reporting currency (e.g. `{ "USDC": "1" }` when the
   * desk treats USDC as USDT). Never implied: an asset with neither a quote nor a declared
   * rate is unpriced, however its name reads.
   */
  readonly fixedRates: Readonly<Record<string, string>>;
  /** The team's own collateral ratios, account → asset → ratio in [0, 1], on top of the venue's haircuts. */
  readonly collateralRatios: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export const DEFAULT_BALANCES_CONFIG: BalancesConfig = {
  reportingCurrency: 'USDT',
  deadband: new Decimal('0.0005'),
  heartbeatMs: 60_000,
  staleAfterMs: 180_000,
  driftGraceMs: 15_000,
  fixedRates: {},
  collateralRatios: {},
};

const DECIMAL = /^-?\d+(\.\d+)?$/;
const ASSET = /^[A-Za-z0-9._-]{1,16}$/;

const ratio = (v: unknown, path: string): E.Either<ValidationError, Decimal> =>
  typeof v === 'string' && DECIMAL.test(v) && new Decimal(v).gte(0) && new Decimal(v).lte(1)
    ? E.right(new Decimal(v))
    : E.left(validationError(path, v, 'must be a decimal string in [0, 1]'));

const positive = (v: unknown, path: string): E.Either<ValidationError, Decimal> =>
  typeof v === 'string' && DECIMAL.test(v) && new Decimal(v).gt(0)
    ? E.right(new Decimal(v))
    : E.left(validationError(path, v, 'must be a positive decimal string'));

const ms = (v: unknown, path: string): E.Either<ValidationError, number> =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0
    ? E.right(v)
    : E.left(validationError(path, v, 'must be a positive whole number of milliseconds'));

const record = (v: unknown, path: string): E.Either<ValidationError, Readonly<Record<string, unknown>>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? E.right(v as Record<string, unknown>)
    : E.left(validationError(path, v, 'must be an object'));

const KEYS = [
  'reportingCurrency',
  'deadband',
  'heartbeatMs',
  'staleAfterMs',
  'driftGraceMs',
  'fixedRates',
  'collateralRatios',
];

/** Reads a settings document (JSON, every key optional); defaults fill what is left out. */
export const parseBalancesConfig = (doc: unknown, where = ''): E.Either<ValidationError, BalancesConfig> => {
  const root = record(doc, where || '/');
  if (E.isLeft(root)) return root;
  const d = root.right;
  const unknown = Object.keys(d).find((k) => !KEYS.includes(k));
  if (unknown !== undefined)
    return E.left(
      validationError(`${where}/${unknown}`, d[unknown], `is not a setting (known: ${KEYS.join(', ')})`),
    );
  const c = { ...DEFAULT_BALANCES_CONFIG };
  const out: { -readonly [K in keyof BalancesConfig]: BalancesConfig[K] } = c;
  if (d['reportingCurrency'] !== undefined) {
    const v = d['reportingCurrency'];
    if (typeof v !== 'string' || !ASSET.test(v))
      return E.left(validationError(`${where}/reportingCurrency`, v, 'must be an asset code'));
    out.reportingCurrency = v;
  }
  if (d['deadband'] !== undefined) {
    const v = ratio(d['deadband'], `${where}/deadband`);
    if (E.isLeft(v)) return v;
    out.deadband = v.right;
  }
  for (const k of ['heartbeatMs', 'staleAfterMs', 'driftGraceMs'] as const)
    if (d[k] !== undefined) {
      const v = ms(d[k], `${where}/${k}`);
      if (E.isLeft(v)) return v;
      out[k] = v.right;
    }
  if (d['fixedRates'] !== undefined) {
    const rates = record(d['fixedRates'], `${where}/fixedRates`);
    if (E.isLeft(rates)) return rates;
    const parsed: Record<string, string> = {};
    for (const [asset, v] of Object.entries(rates.right)) {
      const p = `${where}/fixedRates/${asset}`;
      if (!ASSET.test(asset)) return E.left(validationError(p, asset, 'is not an asset code'));
      const r = positive(v, p);
      if (E.isLeft(r)) return r;
      parsed[asset] = r.right.toFixed();
    }
    out.fixedRates = parsed;
  }
  if (d['collateralRatios'] !== undefined) {
    const accounts = record(d['collateralRatios'], `${where}/collateralRatios`);
    if (E.isLeft(accounts)) return accounts;
    const parsed: Record<string, Record<string, string>> = {};
    for (const [account, assets] of Object.entries(accounts.right)) {
      const a = record(assets, `${where}/collateralRatios/${account}`);
      if (E.isLeft(a)) return a;
      parsed[account] = {};
      for (const [asset, v] of Object.entries(a.right)) {
        const r = ratio(v, `${where}/collateralRatios/${account}/${asset}`);
        if (E.isLeft(r)) return r;
        parsed[account][asset] = r.right.toFixed();
      }
    }
    out.collateralRatios = parsed;
  }
  return E.right(out);
};
