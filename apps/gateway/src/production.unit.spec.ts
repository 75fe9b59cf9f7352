import * as E from 'fp-ts/Either';
import { gatewayMain } from './production';

describe('gateway settings', () => {
  const misbehave = (lateApplyMs: number) => ({
    lateApplyChance: 0.5,
    lateApplyMs,
    forgetCancelledAfterMs: 1000,
    fillDelayMs: 0,
    fillDropChance: 0,
    seed: 1,
  });
  const validate = (config: object) => gatewayMain.validate!(config as never);

  it('refuses a misbehaving simulator that applies sends after the not-found horizon (they would be sent twice), naming the key', () => {
    const r = validate({ notFoundHorizonMs: 500, simMisbehave: misbehave(500) });
    expect(E.isLeft(r) && r.left).toMatchObject({ path: 'KEEL_SIM_MISBEHAVE' });
    expect(E.isLeft(r) && r.left.message).toContain('KEEL_NOT_FOUND_HORIZON_MS (500)');
    expect(E.isRight(validate({ notFoundHorizonMs: 500, simMisbehave: misbehave(300) }))).toBe(true);
    expect(E.isRight(validate({ notFoundHorizonMs: 500 }))).toBe(true);
  });
});
