/**
 * The December 2013 ES roll run of `roll-sim.es-2013.int.spec.ts`: its window, its file, and
 * the run itself, which the spec starts in a child process (`runInChild`).
 */
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { readBars } from './roll-sim.bars';
import { RollSimResult, runRollSim } from './roll-sim.harness';
import { recordedRunInput } from './roll-sim.setup';

export const ES_2013_FILE = path.resolve(
  __dirname,
  '../../../../libs/rollover/domain/test-data/cme-es-1m-tradebars-algoseek-2013-12-01_2013-12-20.csv.gz',
);
export const ES_2013_FROM = Date.parse('2013-12-01T00:00:00Z');
export const ES_2013_TO = Date.parse('2013-12-21T00:00:00Z');
export const ES_2013_EXPOSURE = 3;

/** The engines from `ES_2013_FROM` to `to` on the recorded bars, desired +3 ES. */
export const runEs2013 = async (to: number = ES_2013_TO): Promise<RollSimResult> => {
  const bars = await readBars(ES_2013_FILE, 'ES', ES_2013_FROM, to);
  if (E.isLeft(bars)) throw new Error(bars.left);
  const input = recordedRunInput({
    root: 'ES',
    bars: bars.right,
    from: ES_2013_FROM,
    to,
    exposure: ES_2013_EXPOSURE,
  });
  if (E.isLeft(input)) throw new Error(input.left);
  const r = await runRollSim(input.right);
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};
