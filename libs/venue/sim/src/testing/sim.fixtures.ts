/**
 * Fixtures shared by this project's specs: the Binance USD-M BTCUSDT perpetual as listed
 * (tick 0.1, lot 0.001, min notional 100 USDT, maker 2 bps, taker 5 bps) and the paths of
 * the recorded slices in ../../test-data (see its README for provenance).
 */
import { join } from 'node:path';

export { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';

const dir = join(__dirname, '..', '..', 'test-data');
export const TEST_DATA = {
  trades20241028: join(dir, 'binance-usdm-btcusdt-trades-2024-10-28T1542-5min.csv.gz'),
  bbo20240718: join(dir, 'binance-usdm-btcusdt-2024-07-18T2358-1min-bbo.csv.gz'),
  trades20240718: join(dir, 'binance-usdm-btcusdt-2024-07-18T2358-1min-trades.csv.gz'),
  bbo1s20260101: join(dir, 'binance-usdm-btcusdt-bbo1s-2026-01-01T00-1h.csv.gz'),
  depth20241031: join(dir, 'binance-usdm-btcusdt-depth-2024-10-31T1053-3snapshots-top200.csv.gz'),
} as const;
