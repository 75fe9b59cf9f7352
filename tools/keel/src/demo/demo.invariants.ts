/**
 * The paper session's invariants, checked after every app has stopped, against the log (as
 * folded by `DemoCollector`) and against the venues' own records (`HostedVenue`): the venue is
 * the independent witness of what reached it and what it filled.
 *
 * 1. **Targets**: every final target is reached (position within the last parent order's
 *    lot/min-notional residual), or the log says why not after it was set (withheld, paused,
 *    rejected, completed at its deadline with a residual).
 * 2. **No client order id reaches a venue twice** (the venue counts `placeOrder` per id).
 * 3. **Every venue fill is recorded exactly once**: the venue's trade ids and the log's
 *    `OrderFilled` trade ids are the same set, each recorded once.
 * 4. **Backfilled PnL equals the live `PnlUpdated`**: the replay's checkpoint at each live
 *    checkpoint's log position gives the same figures (`verifyPnlCheckpoints`, what
 *    `keel replay pnl` folds).
 * 5. **No position in a physically settled contract past its cutoff.**
 * 6. **Position = Σ fills** per account and instrument: the venue's position, the gateway's last
 *    report and the sum of the log's fills agree.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { openLogSource, verifyPnlCheckpoints } from '@keel/pnl-replay';
import type { DemoCollector } from './demo.collect';
import type { DemoInvariant } from './demo.record';
import type { HostedVenue } from './demo.venues';

const first = <T>(xs: readonly T[], n = 5): string =>
  xs.slice(0, n).join('; ') + (xs.length > n ? `; … ${xs.length - n} more` : '');

export const targetsInvariant = (c: DemoCollector): DemoInvariant => {
  let reached = 0;
  const explained: string[] = [];
  const failures: string[] = [];
  for (const [account, instrument] of c.keys()) {
    const target = c.targetOf(account, instrument);
    if (!target) continue;
    // A CME root's exposure is held in contract months: its contract targets are checked instead.
    if (instrument.startsWith('CME:')) continue;
    const pos = c.positionOf(account, instrument);
    const parents = [...c.parents.values()].filter(
      (p) => p.account === account && p.instrument === instrument,
    );
    const last = parents[parents.length - 1];
    const lot = new Decimal(c.instruments.get(`${account}\u0000${instrument}`)?.lotSize ?? 0);
    // What no order can close: less than a lot, or the lot/min-notional remainder of a parent
    // order that completed as filled (a deadline's residual is not "reached": it must be explained).
    const remainder = last?.state === 'filled' ? (last.residual ?? new Decimal(0)) : new Decimal(0);
    const tolerance = Decimal.max(remainder, lot.isZero() ? 0 : lot.minus(lot.div(1e6)));
    const gap = target.qty.minus(pos).abs();
    if (gap.lte(tolerance)) {
      reached++;
      continue;
    }
    const why = c.explanationsOf(account, instrument).filter((f) => f.position > target.position);
    if (why.length > 0)
      explained.push(
        `${account} ${instrument}: ${why[why.length - 1]?.type} (${why[why.length - 1]?.detail})`,
      );
    else
      failures.push(`${account} ${instrument}: target ${target.qty} at position ${pos}, no reason recorded`);
  }
  return {
    name: 'every target reached or withheld with a reason',
    pass: failures.length === 0,
    detail:
      failures.length > 0
        ? `not reached and not explained: ${first(failures)}`
        : `${reached} reached, ${explained.length} not reached with a recorded reason${explained.length ? `: ${first(explained)}` : ''}`,
  };
};

export const noDoublePlacementInvariant = (venues: readonly HostedVenue[]): DemoInvariant => {
  const twice: string[] = [];
  let ids = 0;
  for (const v of venues)
    for (const [id, n] of v.placements) {
      ids++;
      if (n > 1) twice.push(`${v.plan.accountId} ${id} ×${n}`);
    }
  return {
    name: 'no client order id reached a venue twice',
    pass: twice.length === 0,
    detail: twice.length === 0 ? `${ids} client order ids, each placed once` : first(twice),
  };
};

export const fillsOnceInvariant = (c: DemoCollector, venues: readonly HostedVenue[]): DemoInvariant => {
  const problems: string[] = [];
  let total = 0;
  for (const v of venues) {
    const recorded = c.tradeIds.get(v.plan.accountId) ?? new Map<string, number>();
    const made = new Set(v.fills().map((f) => f.tradeId));
    total += made.size;
    for (const id of made) {
      const n = recorded.get(id) ?? 0;
      if (n !== 1) problems.push(`${v.plan.accountId} trade ${id} recorded ${n}×`);
    }
    for (const id of recorded.keys())
      if (!made.has(id)) problems.push(`${v.plan.accountId} trade ${id} is not the venue's`);
  }
  return {
    name: 'every venue fill recorded exactly once',
    pass: problems.length === 0,
    detail: problems.length === 0 ? `${total} venue fills, each recorded once` : first(problems),
  };
};

export const pnlInvariant = async (storeUri: string): Promise<DemoInvariant> => {
  const name = 'backfilled PnL (keel replay pnl) equals the live PnlUpdated';
  const source = await openLogSource(storeUri);
  if (E.isLeft(source))
    return { name, pass: false, detail: `cannot open ${storeUri}: ${JSON.stringify(source.left)}` };
  try {
    const v = await verifyPnlCheckpoints(source.right);
    return {
      name,
      pass: v.match,
      detail: v.match
        ? `${v.compared} of ${v.liveCheckpoints} live checkpoints compared, all equal${v.liveCheckpoints === 0 ? ' (none recorded: nothing to compare)' : ''}`
        : `first mismatch: ${JSON.stringify(v.firstMismatch)}`,
    };
  } finally {
    await source.right.close();
  }
};

/** Positions in a physically settled contract held past the contract's cutoff (`cutoffOf`: epoch ms, or null when none). */
export const deliveryInvariant = (
  c: DemoCollector,
  cutoffOf: (instrument: string, expiry: string | null) => number | null,
): DemoInvariant => {
  const breaches: string[] = [];
  let checked = 0;
  for (const [k, positions] of c.physicalPositions) {
    const [account, instrument] = k.split('\u0000') as [string, string];
    checked++;
    const cutoff = cutoffOf(instrument, c.instruments.get(k)?.expiry ?? null);
    if (cutoff === null) continue;
    // Exact positions, fill by fill: one after the cutoff, or the one held at it while the
    // session went on past it.
    const held = positions.filter(([t, q]) => t > cutoff && !new Decimal(q).isZero());
    const atCutoff = [...positions].reverse().find(([t]) => t <= cutoff);
    if (held.length > 0 || (atCutoff && !new Decimal(atCutoff[1]).isZero() && c.lastAt > cutoff))
      breaches.push(`${account} ${instrument} held past ${new Date(cutoff).toISOString()}`);
  }
  return {
    name: 'no position in a physically settled contract past its cutoff',
    pass: breaches.length === 0,
    detail:
      breaches.length > 0
        ? first(breaches)
        : checked === 0
          ? 'no physically settled contract was traded'
          : `${checked} physically settled contract(s) traded, none held past its cutoff`,
  };
};

export const positionsInvariant = async (
  c: DemoCollector,
  venues: readonly HostedVenue[],
): Promise<DemoInvariant> => {
  const problems: string[] = [];
  let checked = 0;
  for (const v of venues) {
    const r = await v.venue.fetchPositions()();
    if (E.isLeft(r)) {
      problems.push(`${v.plan.accountId}: the venue did not answer: ${JSON.stringify(r.left)}`);
      continue;
    }
    const venuePos = new Map(r.right.map((p) => [p.symbol, p.qty]));
    const symbols = new Set([
      ...venuePos.keys(),
      ...c
        .keys()
        .filter(([a]) => a === v.plan.accountId)
        .map(([, i]) => i),
    ]);
    const report = c.reported.get(v.plan.accountId);
    for (const s of symbols) {
      if (s.startsWith('CME:')) continue;
      checked++;
      const atVenue = venuePos.get(s) ?? new Decimal(0);
      const fills = c.positionOf(v.plan.accountId, s);
      if (!atVenue.eq(fills)) problems.push(`${v.plan.accountId} ${s}: venue ${atVenue}, Σ fills ${fills}`);
      const reported = report?.positions.get(s) ?? new Decimal(0);
      if (report && !reported.eq(atVenue))
        problems.push(`${v.plan.accountId} ${s}: gateway's last report ${reported}, venue ${atVenue}`);
    }
  }
  return {
    name: 'position = Σ fills per account and instrument',
    pass: problems.length === 0,
    detail:
      problems.length === 0
        ? `${checked} (account, instrument) pairs: venue = last report = Σ fills`
        : first(problems),
  };
};

/**
 * The CME part did what the session is for: no child order of the CME account was requested
 * during the daily break it crosses, and, once the session clock passed the forced-roll instant,
 * the roll completed from the front into the next contract. `plan` gives the instants
 * (cme.plan.ts `facts`); the detail names the largest front position held before the roll.
 */
export const cmeSessionInvariant = (
  c: DemoCollector,
  plan: {
    readonly account: string;
    readonly front: string;
    readonly next: string;
    readonly close: number;
    readonly reopen: number;
    readonly forcedRoll: number;
    /** When the roll's own TWAPs end at the latest (forced roll + their horizon + a tick). */
    readonly rollDoneBy: number;
  },
  sessionEnd: number,
): DemoInvariant => {
  const iso = (t: number): string => new Date(t).toISOString();
  const inBreak = (c.childRequestedAt.get(plan.account) ?? []).filter(
    (t) => t >= plan.close && t < plan.reopen,
  );
  const roll = c.rolls.find((r) => r.account === plan.account && r.from === plan.front && r.to === plan.next);
  const mustRoll = sessionEnd >= plan.rollDoneBy;
  const frontHeld = (c.positionSeries.get(`${plan.account}\u0000${plan.front}`)?.points ?? []).reduce(
    (m, [, q]) => Decimal.max(m, new Decimal(q).abs()),
    new Decimal(0),
  );
  const problems = [
    ...(inBreak.length > 0
      ? [`${inBreak.length} child order(s) requested during the break, first at ${iso(inBreak[0] as number)}`]
      : []),
    ...(mustRoll && roll === undefined
      ? [`no roll ${plan.front} → ${plan.next} recorded though the session passed ${iso(plan.forcedRoll)}`]
      : []),
  ];
  return {
    name: 'CME: no order in the daily break, the front rolled into the next contract',
    pass: problems.length === 0,
    detail:
      problems.length > 0
        ? problems.join('; ')
        : `no order ${iso(plan.close)} → ${iso(plan.reopen)}; ${roll ? `rolled ${plan.front} → ${plan.next} at ${iso(roll.at)}` : 'the session ended before the forced roll'}; largest ${plan.front} position before it ${frontHeld.toString()}`,
  };
};

/**
 * A parent order that completed as filled left the position (Σ the log's fills at that point)
 * at its target, within its lot remainder: nothing traded outside it, no fill came late, none
 * was traded twice (a superseding parent that started short of a cancelled child's unrecorded
 * fills would overshoot here).
 */
export const filledParentsInvariant = (c: DemoCollector): DemoInvariant => ({
  name: 'every parent order completed as filled left the position at its target',
  pass: c.missedTargets.length === 0,
  detail:
    c.missedTargets.length === 0
      ? `${c.filledParents} filled parent orders, each at its target`
      : first(
          c.missedTargets.map(
            (m) =>
              `${m.account} ${m.instrument} at ${new Date(m.at).toISOString()}: position ${m.position}, target ${m.target}`,
          ),
        ),
});
