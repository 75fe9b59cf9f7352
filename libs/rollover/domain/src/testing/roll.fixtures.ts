/** Shared fixtures for the roll specs: a real 2025 GC calendar and a given/when/then runner. */
import * as E from 'fp-ts/Either';
import { chicagoInstant } from '@keel/calendar';
import { ContractCalendar, rollContractsFromCalendar } from '../lib/roll.contracts';
import { decide, RollCommand, RollConfig, RollError } from '../lib/roll.decide';
import { evolve, RollEvent, RollState } from '../lib/roll.state';

const unwrap = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

/** GCQ5, GCV5, GCZ5, GCG6 (GCZ5: roll start 2025-11-20, forced roll 11-25, alert 11-26, first notice 11-28). */
export const GC_2025: ContractCalendar = unwrap(
  rollContractsFromCalendar('GC', 'GC.c.0', '2025-08', '2026-02'),
);

export const ACCOUNT = 'acc-1';
export const gcConfig: RollConfig = { accountId: ACCOUNT, calendar: GC_2025, horizonSec: 900 };

/** A Chicago wall-clock instant. */
export const ct = (date: string, time = '10:00'): number => chicagoInstant(date, time);

/** Runs commands from a state, returning the final state and the events of the last command. */
export const run = (
  config: RollConfig,
  state: RollState,
  cmds: readonly RollCommand[],
): { state: RollState; events: readonly RollEvent[]; all: readonly RollEvent[] } => {
  let s = state;
  let last: readonly RollEvent[] = [];
  const all: RollEvent[] = [];
  for (const c of cmds) {
    last = unwrap(decide(config)(c, s) as E.Either<RollError, readonly RollEvent[]>);
    all.push(...last);
    s = last.reduce(evolve, s);
  }
  return { state: s, events: last, all };
};

export const types = (es: readonly RollEvent[]): readonly string[] => es.map((e) => e.type);

export const targetsOf = (es: readonly RollEvent[]): Record<string, number> =>
  Object.fromEntries(
    es.flatMap((e) => (e.type === 'ContractTargetSet' ? [[e.instrument, e.targetQty.toNumber()]] : [])),
  );
