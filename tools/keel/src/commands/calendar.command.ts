/**
 * `keel calendar contracts|holidays|state`: the CME exchange calendar from @keel/calendar.
 *   calendar contracts --root ES --from 2025-01 --to 2025-12 [--json]
 *   calendar holidays  --root CL --year 2025 [--json]
 *   calendar state     --root GC --at 2025-11-28T18:30:00Z [--json]
 * Dates are exchange-local (America/Chicago) `YYYY-MM-DD`; times are Chicago `HH:MM`; instants
 * are ISO-8601 with Chicago's offset. Bad input is a UsageError naming the flag and value (exit 2).
 */
import * as E from 'fp-ts/Either';
import { contracts, holidays, marketState, parseInstant } from '@keel/calendar';
import { describeError, ValidationError } from '@keel/events';
import { parseFlags, UsageError } from '../cli.io';
import type { Command, OptionSpecs } from './command';

const required = (name: string, value: string | undefined): string => {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
};

/** The library's errors name the argument by its flag's name: `root`, `from`, `to`, `year`, `at`. */
const orUsage = <A>(r: E.Either<ValidationError, A>): A => {
  if (E.isLeft(r)) throw new UsageError(describeError({ ...r.left, path: `--${r.left.path}` }));
  return r.right;
};

const CONTRACTS_OPTIONS = {
  root: { type: 'string', valueName: 'root', description: 'CME product root, e.g. ES, CL, GC (required)' },
  from: { type: 'string', valueName: 'YYYY-MM', description: 'first contract month, YYYY-MM (required)' },
  to: { type: 'string', valueName: 'YYYY-MM', description: 'last contract month, YYYY-MM (required)' },
} as const satisfies OptionSpecs;

export const calendarContractsCommand: Command = {
  options: CONTRACTS_OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, CONTRACTS_OPTIONS);
    const list = orUsage(
      contracts(required('root', flags.root), required('from', flags.from), required('to', flags.to)),
    );
    io.result(list, () =>
      list
        .map(
          (c) =>
            `${c.code.padEnd(8)} ${c.month}  last trade ${c.lastTradeDate}  first notice ${c.firstNoticeDate ?? '—'.padEnd(10)}  roll ${c.rollStartDate} → ${c.forcedRollDate}  ${c.settlement}`,
        )
        .join('\n'),
    );
    return 0;
  },
};

const HOLIDAYS_OPTIONS = {
  root: { type: 'string', valueName: 'root', description: 'CME product root, e.g. CL (required)' },
  year: { type: 'string', valueName: 'YYYY', description: 'calendar year, e.g. 2025 (required)' },
} as const satisfies OptionSpecs;

export const calendarHolidaysCommand: Command = {
  options: HOLIDAYS_OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, HOLIDAYS_OPTIONS);
    const list = orUsage(holidays(required('root', flags.root), required('year', flags.year))).map((h) =>
      h.kind === 'closed'
        ? { date: h.date, kind: h.kind }
        : { date: h.date, kind: h.kind, closeTime: h.closeTime },
    );
    io.result(list, () =>
      list.map((h) => `${h.date}  ${h.kind}${'closeTime' in h ? ` ${h.closeTime} CT` : ''}`).join('\n'),
    );
    return 0;
  },
};

const STATE_OPTIONS = {
  root: { type: 'string', valueName: 'root', description: 'CME product root, e.g. GC (required)' },
  at: { type: 'string', valueName: 'ISO', description: 'instant, ISO-8601 with Z or an offset (required)' },
} as const satisfies OptionSpecs;

export const calendarStateCommand: Command = {
  options: STATE_OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, STATE_OPTIONS);
    const root = required('root', flags.root);
    const atText = required('at', flags.at);
    const at = parseInstant(atText);
    if (at === undefined)
      throw new UsageError(
        `--at: must be an ISO-8601 instant with Z or an offset, e.g. 2025-03-09T22:00:00Z (got ${JSON.stringify(atText)})`,
      );
    const s = orUsage(marketState(root, at));
    io.result(s, () => `${root} ${s.state}; next open ${s.nextOpen}, next close ${s.nextClose}`);
    return 0;
  },
};
