/**
 * One pass decides a burst of predictions: each decision names the prediction that moved it
 * (its account's model, on its instrument), not the burst's first.
 */
import * as E from 'fp-ts/Either';
import { Decision, resolveOptimizerConfig } from '@keel/portfolio-domain';
import { BatchCauses, Cause } from './prediction.causes';

const BTC = 'BTC/USDT:USDT';
const ETH = 'ETH/USDT:USDT';
const config = (() => {
  const r = resolveOptimizerConfig(
    {
      models: { ma: { decay: 'none' }, mb: { decay: 'none' }, mc: { decay: 'none' } },
      strategies: {
        sa: { models: { ma: 1 } },
        sb: { models: { mb: 1 } },
        sc: { models: { mc: 1 } },
        sab: { models: { ma: 1, mb: 1 } },
      },
      instruments: { [BTC]: {}, [ETH]: {} },
      accounts: {
        'acc-a': { strategies: { sa: { budget: 1 } } },
        'acc-b': { strategies: { sb: { budget: 1 } } },
        'acc-ab': { strategies: { sab: { budget: 1 } } },
        'acc-c': { strategies: { sc: { budget: 1 } } },
      },
    },
    'optimizer',
  );
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
})();

const cause = (id: string): Cause => ({ correlationId: `corr-${id}`, causationId: id });
const target = (accountId: string, instrument: string): Decision =>
  ({
    stream: `optimizer-${accountId}`,
    type: 'TargetPositionSet',
    idParts: [accountId, instrument, 1],
    data: { accountId, instrument },
  }) as unknown as Decision;
const FALLBACK = cause('fallback');

describe('BatchCauses', () => {
  it('gives each account the prediction of the model it follows, not the batch’s first', () => {
    const batch = new BatchCauses();
    batch.add(BTC, 'ma', cause('pa'));
    batch.add(BTC, 'mb', cause('pb'));
    expect(batch.first).toEqual(cause('pa'));
    expect(batch.causeOf(config, target('acc-a', BTC), FALLBACK)).toEqual(cause('pa'));
    expect(batch.causeOf(config, target('acc-b', BTC), FALLBACK)).toEqual(cause('pb'));
  });

  it('takes the latest of its models when an account follows several, and a model’s latest prediction', () => {
    const batch = new BatchCauses();
    batch.add(BTC, 'mb', cause('pb1'));
    batch.add(BTC, 'ma', cause('pa1'));
    batch.add(BTC, 'mb', cause('pb2'));
    expect(batch.causeOf(config, target('acc-ab', BTC), FALLBACK)).toEqual(cause('pb2'));
    expect(batch.causeOf(config, target('acc-a', BTC), FALLBACK)).toEqual(cause('pa1'));
  });

  it('keeps instruments apart', () => {
    const batch = new BatchCauses();
    batch.add(BTC, 'ma', cause('btc'));
    batch.add(ETH, 'ma', cause('eth'));
    expect(batch.instruments).toEqual(new Set([BTC, ETH]));
    expect(batch.causeOf(config, target('acc-a', ETH), FALLBACK)).toEqual(cause('eth'));
  });

  it('falls back to the latest on the instrument, then to the first, then to the given cause', () => {
    const batch = new BatchCauses();
    expect(batch.causeOf(config, target('acc-a', BTC), FALLBACK)).toEqual(FALLBACK);
    batch.add(BTC, 'mc', cause('pc'));
    batch.add(BTC, 'mb', cause('pb'));
    // acc-a follows only ma, which sent nothing in this batch: the latest on BTC.
    expect(batch.causeOf(config, target('acc-a', BTC), FALLBACK)).toEqual(cause('pb'));
    // A decision on an instrument nothing was predicted for, or with no instrument: the first.
    expect(batch.causeOf(config, target('acc-a', ETH), FALLBACK)).toEqual(cause('pc'));
    const risk = {
      stream: 'optimizer-risk',
      type: 'RiskStateChanged',
      idParts: [],
      data: {},
    } as unknown as Decision;
    expect(batch.causeOf(config, risk, FALLBACK)).toEqual(cause('pc'));
  });
});
