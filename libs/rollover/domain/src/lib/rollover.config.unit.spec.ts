import * as E from 'fp-ts/Either';
import { DEFAULT_EXPOSURE_POLICY } from './exposure.policy';
import { parsePolicy, resolveRolloverConfig, RolloverConfigText } from './rollover.config';

const text: RolloverConfigText = {
  roots: 'GC,ES',
  accountIds: '',
  exposurePolicy: '',
  accountExposurePolicies: '',
  rollPolicy: '',
};

const pathOf = <A>(r: E.Either<{ path: string }, A>): string | null => (E.isLeft(r) ? r.left.path : null);

describe('resolveRolloverConfig', () => {
  it('builds one calendar per root and the default policy for every account', () => {
    const r = resolveRolloverConfig(text);
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    expect([...r.right.calendars.keys()]).toEqual(['GC', 'ES']);
    expect(r.right.accounts).toEqual([]);
    expect(r.right.policyOf('acc-1')).toEqual(DEFAULT_EXPOSURE_POLICY);
  });

  it('applies per-account overrides over the base policy', () => {
    const r = resolveRolloverConfig({
      ...text,
      accountIds: 'acc-1, acc-2',
      exposurePolicy: 'weekend=1',
      accountExposurePolicies: 'acc-1:leadMinutes=60',
    });
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    expect(r.right.accounts).toEqual(['acc-1', 'acc-2']);
    expect(r.right.policyOf('acc-1')).toEqual({ ...DEFAULT_EXPOSURE_POLICY, weekend: '1', leadMinutes: 60 });
    expect(r.right.policyOf('acc-2')).toEqual({ ...DEFAULT_EXPOSURE_POLICY, weekend: '1' });
  });

  it('names the key of each mistake', () => {
    expect(pathOf(resolveRolloverConfig({ ...text, rollPolicy: 'GC:5' }))).toBe('KEEL_ROLL_POLICY');
    expect(pathOf(resolveRolloverConfig({ ...text, roots: 'ZZ' }))).toBe('KEEL_ROOTS');
    expect(pathOf(resolveRolloverConfig({ ...text, exposurePolicy: 'sunday=1' }))).toBe(
      'KEEL_EXPOSURE_POLICY',
    );
    expect(pathOf(resolveRolloverConfig({ ...text, accountExposurePolicies: 'weekend=1' }))).toBe(
      'KEEL_ACCOUNT_EXPOSURE_POLICIES',
    );
    expect(pathOf(resolveRolloverConfig({ ...text, accountExposurePolicies: 'acc-1:weekend=2' }))).toMatch(
      /^KEEL_ACCOUNT_EXPOSURE_POLICIES\/acc-1\//,
    );
  });
});

describe('parsePolicy', () => {
  it('keeps the base for keys not given', () => {
    expect(parsePolicy('P', 'holiday=0.5', DEFAULT_EXPOSURE_POLICY)).toEqual(
      E.right({ ...DEFAULT_EXPOSURE_POLICY, holiday: '0.5' }),
    );
  });
});
