/**
 * `loadMarkets` on the committed capture slices (libs/venue/sim/test-data): a capture's
 * trades, bbo and depthdiff files become one market with its book updates in it; a depthdiff
 * file without its capture is skipped with the reason, never replayed alone.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadMarkets } from './twap-eval.market';

const DATA = join(resolve(__dirname, '../../../..'), 'libs/venue/sim/test-data');
const CAPTURE = 'binance-usdm-btcusdt-2024-07-18T2358-1min';
const file = (kind: string) => join(DATA, `${CAPTURE}-${kind}.csv.gz`);

describe('twap-eval markets: capture files', () => {
  it('merges a capture’s trades, bbo and book updates into one market', async () => {
    const said: string[] = [];
    const { markets, skipped } = await loadMarkets([file('trades'), file('bbo'), file('depthdiff')], (m) =>
      said.push(m),
    );
    expect(skipped).toEqual([]);
    expect(markets).toHaveLength(1);
    const m = markets[0]!;
    expect(m.name).toBe(CAPTURE);
    expect(m.files).toEqual([file('trades'), file('bbo'), file('depthdiff')]);
    const count = (t: string) => m.events.filter((e) => e.type === t).length;
    expect([count('trade'), count('quote'), count('depth')]).toEqual([367, 2213, 22836]);
    expect(m.hasTrades && m.hasQuotes).toBe(true);
    expect(said.join('\n')).toMatch(/trades \+ bbo \+ book updates merged/);
  });

  it('skips book updates without their capture’s trades or bbo, saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twap-eval-'));
    const alone = join(dir, 'binance-usdm-btcusdt-x-depthdiff.csv.gz');
    copyFileSync(file('depthdiff'), alone);
    const { markets, skipped } = await loadMarkets([alone, file('trades')], () => undefined);
    expect(markets.map((m) => m.name)).toEqual([`${CAPTURE}-trades`]);
    expect(markets[0]?.events.some((e) => e.type === 'depth')).toBe(false);
    expect(skipped).toEqual([
      { file: alone, reason: expect.stringMatching(/without the capture’s -trades or -bbo file/) },
    ]);
  });
});
