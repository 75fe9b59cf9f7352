/**
 * What `decideBook` writes, pinned: a fixed GC scenario across the GCZ5 → GCG6 roll (roll start
 * 11-20, forced roll 11-25, delivery alert 11-26) run through the fold and the decision, every
 * NewEvent (stream, id, type, schema version, payload, envelope) compared with a snapshot
 * captured before the decider's events became the catalog's. Stored output must not change:
 * a log written by an older build and one written now derive the same ids.
 */
import * as E from 'fp-ts/Either';
import { deriveId, newEvent, NewEvent } from '@keel/events';
import { ct, GC_2025 } from '../testing';
import { DEFAULT_EXPOSURE_POLICY } from './exposure.policy';
import { decideBook } from './rollover-book.decide';
import { foldRollover, initialRolloverState, RolloverState } from './rollover-book.state';

const unwrap = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

const fold = foldRollover({ calendars: new Map([['GC', GC_2025]]), accounts: ['acc-1'] });
const meta = (producer: string, at: number, n: number) => ({
  correlationId: `spec-${n}`,
  causationId: null,
  producer,
  occurredAt: new Date(at).toISOString(),
});

const target = (at: number, qty: string, n: number): NewEvent =>
  unwrap(
    newEvent(
      'TargetPositionSet',
      deriveId('spec-target', n),
      { accountId: 'acc-1', instrument: 'CME:GC', targetQty: qty, horizonSec: 600, reason: 'spec' },
      meta('optimizer', at, n),
    ),
  );
const positions = (at: number, held: Record<string, number>, n: number): NewEvent =>
  unwrap(
    newEvent(
      'PositionReported',
      deriveId('spec-positions', n),
      {
        accountId: 'acc-1',
        venue: 'sim',
        positions: Object.entries(held)
          .filter(([, q]) => q !== 0)
          .map(([instrument, q]) => ({ instrument, qty: String(q), entryPrice: null })),
      },
      meta('gateway', at, n),
    ),
  );

describe('decideBook output, pinned', () => {
  it('writes the same streams, ids, types and payloads for the same inputs', () => {
    let s: RolloverState = initialRolloverState;
    const out: { stream: string; event: NewEvent }[] = [];
    let n = 0;
    const step = (now: number, fill: (wanted: Record<string, number>) => Record<string, number> | null) => {
      n++;
      const book = s.books['acc-1']?.['GC'];
      if (book === undefined) return;
      const r = unwrap(
        decideBook(
          { accountId: 'acc-1', calendar: GC_2025, policy: DEFAULT_EXPOSURE_POLICY, horizonSec: 900 },
          book,
          now,
          { correlationId: `corr-${n}`, causationId: null },
        ),
      );
      const wanted: Record<string, number> = { ...book.roll.positions };
      for (const w of r.writes)
        for (const e of w.events) {
          out.push({ stream: w.stream, event: e });
          s = fold(s, e);
          if (e.type === 'ContractTargetSet') {
            const d = e.data as { instrument: string; targetQty: string };
            wanted[d.instrument] = Number(d.targetQty);
          }
        }
      const held = fill(wanted);
      if (held !== null) s = fold(s, positions(now + 1000, held, n));
    };
    const all = (w: Record<string, number>) => w;

    s = fold(s, target(ct('2025-11-17', '09:00'), '3', 1));
    s = fold(s, positions(ct('2025-11-17', '09:00'), { GCV5: 1 }, 0));
    step(ct('2025-11-17', '10:00'), all); // map GCZ5, out-of-cycle GCV5 flat, GCZ5 +3
    s = fold(s, target(ct('2025-11-19', '09:00'), '5', 2));
    step(ct('2025-11-19', '10:00'), (w) => ({ ...w, GCZ5: 4 })); // GCZ5 +5, filled 4
    step(ct('2025-11-20', '10:00'), (w) => ({ ...w, GCZ5: 4 })); // roll window: GCG6 +1
    step(ct('2025-11-21', '15:45'), () => null); // lead into the weekend close: flat
    step(ct('2025-11-24', '10:00'), () => ({ GCZ5: 2, GCG6: 1 })); // reopen
    step(ct('2025-11-25', '10:00'), () => null); // forced roll: linked legs
    step(ct('2025-11-26', '10:00'), () => null); // delivery risk alert
    step(ct('2025-11-26', '11:00'), () => ({ GCG6: 5 })); // observed flat next time
    step(ct('2025-11-26', '11:30'), (w) => w); // roll completed, GCG6 mapped
    s = fold(s, target(ct('2025-12-01', '09:00'), '-2', 3));
    step(ct('2025-12-01', '10:00'), (w) => w);
    expect(out.map((o) => o.event.type)).toEqual(
      expect.arrayContaining([
        'ContractMapped',
        'RollScheduled',
        'RollCompleted',
        'DeliveryRiskAlert',
        'ContractTargetSet',
      ]),
    );
    expect(out).toMatchSnapshot();
  });
});
