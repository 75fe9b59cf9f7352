/**
 * Regenerates src/lib/depth.calibration.json from the shared depth snapshots:
 *   npx tsx --tsconfig tsconfig.json libs/venue/sim/scripts/calibrate-slippage.ts [depth.csv.gz] > libs/venue/sim/src/lib/depth.calibration.json
 * The default input is the workspace copy of data/market (not committed to this project: 3 MB).
 */
import * as E from 'fp-ts/Either';
import { readDepthSnapshots } from '../src/lib/csv.readers';
import { calibrateDepthCurve, DEPTH_GRID } from '../src/lib/slippage.model';

const DEFAULT_FILE = '/work/shared/data/market/binance-usdm-btcusdt-depth1000-snapshots-2024-10-31.csv.gz';
const SOURCE =
  'data/market/binance-usdm-btcusdt-depth1000-snapshots-2024-10-31.csv.gz (data/market/README.md §3: xLydianSoftware/Qubx ' +
  'tests/data/csv/BTCUSDT.orderbooks.txt.gz, commit a2bd0fbd40bf, GPL-3.0; 216 ccxt fetch_order_book snapshots of Binance ' +
  'USD-M BTCUSDT, 2024-10-31 10:53:39.356 → 10:54:01.779 UTC)';

const main = async (file: string): Promise<number> => {
  const r = await readDepthSnapshots(file);
  if (E.isLeft(r)) {
    console.error(r.left.message);
    return 1;
  }
  console.log(JSON.stringify(calibrateDepthCurve(r.right, DEPTH_GRID, SOURCE), null, 2));
  return 0;
};

void main(process.argv[2] ?? DEFAULT_FILE).then((code) => (process.exitCode = code));
