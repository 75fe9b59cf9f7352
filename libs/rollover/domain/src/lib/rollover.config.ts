/**
 * cme-rollover's settings as text (what an operator writes in env or a config file) → the
 * calendars and exposure policies the decisions run on. Pure, so the app, the engine and a
 * simulation resolve the same text the same way; every mistake names its config key
 * (`KEEL_ROLL_POLICY`, …) and the offending item.
 */
import * as E from 'fp-ts/Either';
import { RollPolicy } from '@keel/calendar';
import { describeError, validationError, ValidationError } from '@keel/events';
import { DEFAULT_EXPOSURE_POLICY, ExposurePolicy, validatePolicy } from './exposure.policy';
import { ContractCalendar, rollContractsFromCalendar, rootInstrument } from './roll.contracts';

/** The settings as written, e.g. `roots: 'ES,GC'`, `rollPolicy: 'GC:5/2'`. */
export interface RolloverConfigText {
  /** Owned roots, comma-separated. */
  readonly roots: string;
  /** Owned accounts, comma-separated; empty: every account with a `CME:<ROOT>` target. */
  readonly accountIds: string;
  /** `weekend=0,leadMinutes=30` over `DEFAULT_EXPOSURE_POLICY`. */
  readonly exposurePolicy: string;
  /** `acc-1:weekend=0.5,leadMinutes=60;acc-2:holiday=1` over `exposurePolicy`. */
  readonly accountExposurePolicies: string;
  /** `GC:5/2,ES:8/2` (roll start / forced roll in business days); empty: calendar defaults. */
  readonly rollPolicy: string;
}

export interface ResolvedRolloverConfig {
  readonly calendars: ReadonlyMap<string, ContractCalendar>;
  readonly accounts: readonly string[];
  readonly policyOf: (account: string) => ExposurePolicy;
}

/** The calendar months every root is built for (those of `@keel/calendar`). */
export const ROLLOVER_CALENDAR_RANGE = { from: '2024-02', to: '2027-12' } as const;

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** `weekend=0,leadMinutes=60` over a base policy; errors are reported under `path`. */
export const parsePolicy = (
  path: string,
  text: string,
  base: ExposurePolicy,
): E.Either<ValidationError, ExposurePolicy> => {
  const p: Record<string, string | number> = { ...base };
  for (const kv of list(text)) {
    const [k, v] = kv.split('=').map((x) => x.trim());
    if (k === undefined || v === undefined || !(k in base))
      return E.left(
        validationError(path, kv, `must be key=value with a key of ${Object.keys(base).join(', ')}`),
      );
    p[k] = k === 'leadMinutes' ? Number(v) : v;
  }
  const policy = p as unknown as ExposurePolicy;
  const ok = validatePolicy(policy);
  return E.isLeft(ok)
    ? E.left({ ...ok.left, path: `${path}/${ok.left.path.replace(/^policy\//, '')}` })
    : E.right(policy);
};

/** Settings text → calendars and policies; every mistake names its key. */
export const resolveRolloverConfig = (
  c: RolloverConfigText,
): E.Either<ValidationError, ResolvedRolloverConfig> => {
  const rollPolicies = new Map<string, RollPolicy>();
  for (const item of list(c.rollPolicy)) {
    const m = /^([A-Z0-9]{1,8}):(\d+)\/(\d+)$/.exec(item);
    if (!m || m[1] === undefined)
      return E.left(
        validationError(
          'KEEL_ROLL_POLICY',
          item,
          "must be ROOT:<rollStartBusinessDays>/<forcedRollBusinessDays>, e.g. 'GC:5/2'",
        ),
      );
    rollPolicies.set(m[1], { rollStartBusinessDays: Number(m[2]), forcedRollBusinessDays: Number(m[3]) });
  }
  const calendars = new Map<string, ContractCalendar>();
  for (const root of list(c.roots)) {
    const cal = rollContractsFromCalendar(
      root,
      rootInstrument(root),
      ROLLOVER_CALENDAR_RANGE.from,
      ROLLOVER_CALENDAR_RANGE.to,
      rollPolicies.get(root),
    );
    if (E.isLeft(cal)) return E.left(validationError('KEEL_ROOTS', root, describeError(cal.left)));
    calendars.set(root, cal.right);
  }
  const base = parsePolicy('KEEL_EXPOSURE_POLICY', c.exposurePolicy, DEFAULT_EXPOSURE_POLICY);
  if (E.isLeft(base)) return base;
  const perAccount = new Map<string, ExposurePolicy>();
  for (const item of c.accountExposurePolicies
    .split(';')
    .map((x) => x.trim())
    .filter((x) => x !== '')) {
    const i = item.indexOf(':');
    if (i <= 0)
      return E.left(
        validationError('KEEL_ACCOUNT_EXPOSURE_POLICIES', item, "must be '<account>:key=value,...'"),
      );
    const p = parsePolicy(
      `KEEL_ACCOUNT_EXPOSURE_POLICIES/${item.slice(0, i)}`,
      item.slice(i + 1),
      base.right,
    );
    if (E.isLeft(p)) return p;
    perAccount.set(item.slice(0, i), p.right);
  }
  return E.right({
    calendars,
    accounts: list(c.accountIds),
    policyOf: (a) => perAccount.get(a) ?? base.right,
  });
};
