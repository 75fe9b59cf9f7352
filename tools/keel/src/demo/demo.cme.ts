/**
 * The CME part of the paper session, as the session runner uses it: the plan of cme.plan.ts
 * (window, contracts, shift, rollover settings) in the shape `buildDemoPlan` takes, the front
 * contract's closes for the model's `CME:<root>` predictions, and each contract's delivery
 * cutoff for the invariant.
 */
import * as E from 'fp-ts/Either';
import type { PriceBar } from '../model/ma-cross';
import { cmeModelBars, cmePlan, CmePlan, RECOMMENDED_SPEED } from './cme.plan';
import { DEFAULT_DELIVERY_GRACE_MS, deliveryCutoffOf } from './cme.delivery';
import { DemoCmePart, FILES, resolveDataFile } from './demo.plan';

export { RECOMMENDED_SPEED };

export const CME_VENUE = 'cme-sim';
export const CME_ACCOUNT = 'paper-cme';

export type DemoCme = DemoCmePart & { readonly plan: CmePlan };

export const cmeDemoPart = (o: {
  readonly speed: number;
  readonly minutes: number;
  readonly dataDir: string;
}): E.Either<string, DemoCme> =>
  E.map((plan: CmePlan): DemoCme => ({
    plan,
    clockStart: plan.clockStart,
    root: plan.root,
    markets: plan.markets,
    rolloverEnv: plan.rolloverEnv,
    milestones: plan.milestones.map((m) => ({ at: m.at, what: m.what })),
    data: plan.data,
  }))(
    cmePlan({
      speed: o.speed,
      minutes: o.minutes,
      venue: CME_VENUE,
      accountId: CME_ACCOUNT,
      dataDir: o.dataDir,
      // The committed slice (2013-12-01 → 12-20) or the full ES file, whichever the folder holds.
      file: resolveDataFile(o.dataDir, FILES.cmeBars).file,
    }),
  );

/** The front contract's closes from `from` (session clock): what the model predicts `CME:<root>` from. */
export async function* cmeModelPrices(cme: DemoCme, from: number): AsyncGenerator<PriceBar> {
  for await (const b of cmeModelBars(cme.plan, { warmupMs: cme.plan.clockStart - from }))
    yield { t: b.t, close: b.close };
}

/**
 * When a position in `instrument` must be gone: a physically settled contract's cutoff (00:00 CT
 * of its forced-roll date) plus the time the roll's own TWAP may take to work it out; null for
 * cash-settled contracts and for what is not a CME contract.
 */
export const cmeCutoff = (instrument: string): number | null => {
  const cutoff = deliveryCutoffOf(instrument);
  return cutoff === undefined || cutoff === null ? null : cutoff + DEFAULT_DELIVERY_GRACE_MS;
};
