/** Shared by the rollover engine's specs: the app's defaults for GC on one account, and small helpers. */
import * as E from 'fp-ts/Either';
import { chicagoInstant } from '@keel/calendar';
import { RolloverEngineSettings } from '../lib/rollover.engine';

/** The app's defaults (apps/cme-rollover/src/production.ts) but for the root, the account and the tick. */
export const gcSettings = (tickMs: number): RolloverEngineSettings => ({
  roots: 'GC',
  accountIds: 'acc-1',
  exposurePolicy: 'weekend=0,dailyHalt=1,holiday=0,earlyClose=0,leadMinutes=30',
  accountExposurePolicies: '',
  rollPolicy: '',
  tickMs,
  targetHorizonSec: 900,
});

export const ct = (date: string, time: string): number => chicagoInstant(date, time);

export const unwrap = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
