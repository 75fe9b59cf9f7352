/**
 * Property: whatever the exposure path and however late the fills, (1) once every target is
 * filled the sum over contracts equals the desired exposure, and (2) no position is left in a
 * physically settled contract after its forced-roll date (fills land within the day).
 */
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { chicagoDateOf } from '@keel/calendar';
import { decide, RollCommand } from './roll.decide';
import { evolve, initialState, RollState } from './roll.state';
import { ct, gcConfig, GC_2025 } from '../testing/roll.fixtures';

const HOUR = 3_600_000;
const START = ct('2025-11-17', '00:00');
const STEPS = 16 * 24;

describe('roll decider properties (GCZ5 → GCG6, Nov 2025)', () => {
  it('keeps the exposure and leaves nothing in a physical contract past its forced roll', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: -6, max: 6 }), { nil: undefined }), {
          minLength: STEPS,
          maxLength: STEPS,
        }),
        fc.array(fc.boolean(), { minLength: STEPS, maxLength: STEPS }),
        (exposures, fillNow) => {
          const d = decide(gcConfig);
          let state: RollState = initialState;
          const step = (cmd: RollCommand): void => {
            const r = d(cmd, state);
            if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
            state = r.right.reduce(evolve, state);
          };
          const positions: Record<string, number> = {};
          for (let i = 0; i < STEPS; i++) {
            const now = START + i * HOUR;
            const qty = exposures[i];
            step(qty === undefined ? { type: 'Tick', now } : { type: 'SetExposure', now, qty });
            // Fills arrive late at random, but always within the Chicago day (by 23:00).
            const endOfDay = new Date(now).getUTCHours() === 5;
            if (fillNow[i] || endOfDay)
              for (const [code, t] of Object.entries(state.targets)) positions[code] = t;
            step({ type: 'ObservePositions', now, positions: { ...positions } });
            const allFilled = Object.entries(state.targets).every(([c, t]) => (positions[c] ?? 0) === t);
            if (allFilled && Object.values(positions).reduce((a, b) => a + b, 0) !== state.desired)
              return false;
            const date = chicagoDateOf(now);
            for (const c of GC_2025.contracts)
              if (c.settlement === 'physical' && date > c.forcedRollDate && (positions[c.code] ?? 0) !== 0)
                return false;
          }
          return true;
        },
      ),
      { numRuns: 30 },
    );
  });
});
