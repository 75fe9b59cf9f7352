/** The dispatcher routes each venue model by name (the gateway's one entry point). */
import * as E from 'fp-ts/Either';
import { AccountModelName } from '@keel/events';
import noPositions from '../../test-data/hyperliquid/clearinghouse-no-positions.json';
import v2Single from '../../test-data/binanceusdm/fapi-v2-account-single-asset.json';
import { deriveAccount } from './derive';

const read = (model: AccountModelName, payloads: Record<string, unknown>) => ({
  model,
  payloads,
  sentAt: 1,
  receivedAt: 2,
});

describe('deriveAccount', () => {
  it('routes binanceusdm and hyperliquid reads to their models', () => {
    const b = deriveAccount(read('binanceusdm', { account: v2Single.httpResponse }), { instruments: [] });
    const h = deriveAccount(read('hyperliquid', { clearinghouseState: noPositions.httpResponse }), {
      instruments: [],
    });
    expect(E.isRight(b) && b.right.model).toBe('binanceusdm');
    expect(E.isRight(h) && h.right.model).toBe('hyperliquid');
  });

  it('routes okx reads, which need the sub-account book', () => {
    const r = deriveAccount(read('okx', {}), { instruments: [] });
    expect(E.isLeft(r) && r.left.path).toBe('ctx.okxBook');
  });
});
