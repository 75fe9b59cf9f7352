/**
 * The balance-aggregator's whole valuation setup from its settings document: the settings
 * (balances.config.ts, defaults for what it leaves out) and the haircut tables — the built-in
 * ones (data/haircuts), each venue's replaced by the document's `haircuts` where it gives one.
 * Errors name the JSON pointer and the value.
 */
import * as E from 'fp-ts/Either';
import { ValidationError, validationError } from '@keel/events';
import { parseBalancesConfig } from './balances.config';
import { BalancesSettings } from './balances.state';
import { BUILTIN_HAIRCUTS, HaircutError, haircutFrom, HaircutTables, parseHaircutTables } from './haircuts';

const asValidation = (e: HaircutError, where: string): ValidationError =>
  e._tag === 'HaircutTableInvalid'
    ? validationError(`${where}${e.pointer}`, e.value, e.message)
    : validationError(where, e.venue, e.message);

export const resolveBalancesSettings = (
  doc: unknown,
  where = '/balances',
): E.Either<ValidationError, BalancesSettings> => {
  const { haircuts, ...settings } = (doc ?? {}) as Record<string, unknown>;
  const config = parseBalancesConfig(settings, where);
  if (E.isLeft(config)) return config;
  if (E.isLeft(BUILTIN_HAIRCUTS))
    return E.left(asValidation(BUILTIN_HAIRCUTS.left, 'libs/balances/domain/data/haircuts'));
  let tables: HaircutTables = BUILTIN_HAIRCUTS.right;
  if (haircuts !== undefined) {
    const own = parseHaircutTables(haircuts, `${where}/haircuts`);
    if (E.isLeft(own)) return E.left(asValidation(own.left, `${where}/haircuts`));
    tables = new Map([...tables, ...own.right]);
  }
  return E.right({ config: config.right, haircut: haircutFrom(tables) });
};
