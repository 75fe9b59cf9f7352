import * as E from 'fp-ts/Either';
import { resolveBalancesSettings } from './balances.settings';

const AT = Date.parse('2026-12-01T00:00:00Z');

describe('balance-aggregator settings: valuation and haircut tables', () => {
  it('defaults to the built-in tables', () => {
    const s = resolveBalancesSettings(undefined);
    expect(E.isRight(s) && s.right.config.reportingCurrency).toBe('USDT');
    expect(E.isRight(s) && s.right.haircut('binanceusdm', 'BTC', AT)?.version).toBe('binanceusdm@2021-05-28');
  });

  it("replaces one venue's table with the document's, keeping the others", () => {
    const s = resolveBalancesSettings({
      haircuts: {
        binanceusdm: [
          {
            version: 'binanceusdm@desk-1',
            effectiveFrom: '2026-01-01T00:00:00Z',
            source: 'desk policy',
            assets: { BTC: [{ upToUsd: null, rate: '0.8' }] },
          },
        ],
      },
    });
    if (E.isLeft(s)) throw new Error(JSON.stringify(s.left));
    expect(s.right.haircut('binanceusdm', 'BTC', AT)).toMatchObject({
      version: 'binanceusdm@desk-1',
      tiers: [{ upTo: null, rate: '0.8' }],
    });
    expect(s.right.haircut('okx', 'BTC', AT)?.version).toBe('okx@2025-07-11');
  });

  it('names the pointer and value of a bad setting or table', () => {
    const bad = resolveBalancesSettings({ deadband: 'wide' });
    expect(E.isLeft(bad) && bad.left).toMatchObject({ path: '/balances/deadband', value: 'wide' });
    const table = resolveBalancesSettings({
      haircuts: {
        okx: [
          {
            version: 'okx@x',
            effectiveFrom: '2026-01-01T00:00:00Z',
            source: 's',
            assets: { BTC: [{ upToUsd: null, rate: '1.5' }] },
          },
        ],
      },
    });
    expect(E.isLeft(table) && table.left.path).toMatch(/^\/balances\/haircuts.*rate$/);
  });
});
