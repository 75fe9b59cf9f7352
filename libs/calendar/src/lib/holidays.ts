/** `holidays(root, year)`: the closed days and early closes that apply to a product in a year. */
import * as E from 'fp-ts/Either';
import { validationError, ValidationError } from '@keel/events';
import { HolidayEntry, holidaysFor } from './business-days';
import { lookupProduct } from './contracts';
import { COVERAGE } from './holidays.data';

/** Errors name `root` (unknown) or `year` (not YYYY, or outside the data's years). */
export const holidays = (root: string, year: string): E.Either<ValidationError, readonly HolidayEntry[]> => {
  const spec = lookupProduct(root);
  if (E.isLeft(spec)) return spec;
  if (!/^\d{4}$/.test(year)) return E.left(validationError('year', year, 'must be a year YYYY'));
  const y = Number(year);
  if (y < COVERAGE.fromYear || y > COVERAGE.toYear)
    return E.left(
      validationError(
        'year',
        year,
        `must be within ${COVERAGE.fromYear}..${COVERAGE.toYear}, the years the holiday data covers`,
      ),
    );
  return E.right(holidaysFor(spec.right.group, y));
};
