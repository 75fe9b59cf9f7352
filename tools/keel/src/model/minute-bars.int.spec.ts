/**
 * readMinuteBars on the recorded files in ../shared/data/market (README there). Skipped, with
 * the reason printed, on a machine without that folder.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BarFileError, barLabelOf, MinuteBar, readMinuteBars } from './minute-bars';

const DATA = resolve(__dirname, '../../test-data'); // slices of ../shared/data/market (README there);
const BTC = join(DATA, 'binance-usdm-btcusdt-1m-2024-01-01T0000-600bars.csv.gz');
const ES = join(DATA, 'cme-es-1m-tradebars-algoseek-2013-10-06-1200rows.csv.gz');
const EUR = join(DATA, 'cme-6eh4-1m-2024-01-01-100bars.csv.gz');

const present = [BTC, ES, EUR].every((f) => existsSync(f));
if (!present) console.warn(`minute-bars.int.spec: skipped, the recorded bars are not in ${DATA}`);
const describeWithData = present ? describe : describe.skip;

/** The first `n` bars (the generator is left early: the file is not read to its end). */
const first = async (n: number, bars: AsyncIterable<MinuteBar>): Promise<MinuteBar[]> => {
  const out: MinuteBar[] = [];
  for await (const b of bars) {
    out.push(b);
    if (out.length === n) break;
  }
  return out;
};

describeWithData('readMinuteBars on recorded data', () => {
  it('reads the Binance 1m bars, stamped with their close time, a minute apart', async () => {
    const bars = await first(300, readMinuteBars(BTC));
    expect(bars).toHaveLength(300);
    // The first row: 2024-01-01T00:00:00Z (its open), close 42331.9.
    expect(bars[0]).toEqual({ t: Date.parse('2024-01-01T00:01:00Z'), close: 42331.9 });
    expect(bars.slice(1).every((b, i) => b.t - (bars[i]?.t ?? 0) === 60_000)).toBe(true);
    expect(bars.every((b) => b.close > 40_000 && b.close < 45_000)).toBe(true);
  });

  it('reads one contract of the ES trade bars, which hold every expiry side by side', async () => {
    const bars = await first(200, readMinuteBars(ES, { contract: 'ESZ13' }));
    expect(bars).toHaveLength(200);
    // 2013-10-06T22:00:00Z ESZ13 closed at 1675.25 (ESH14's row beside it is skipped).
    expect(bars[0]).toEqual({ t: Date.parse('2013-10-06T22:01:00Z'), close: 1675.25 });
    expect(bars.every((b) => b.close > 1600 && b.close < 1750)).toBe(true);
  });

  it('refuses to mix the expiries of a multi-contract file, and a contract for a single-instrument file', async () => {
    await expect(first(1, readMinuteBars(ES))).rejects.toThrow(BarFileError);
    await expect(first(1, readMinuteBars(ES))).rejects.toThrow(/holds several contracts side by side/);
    await expect(first(1, readMinuteBars(BTC, { contract: 'ESZ13' }))).rejects.toThrow(/no contract column/);
  });

  it("takes the 6E file's timestamps as the close time, as the README says", async () => {
    expect(barLabelOf(EUR)).toBe('close');
    expect(barLabelOf(BTC)).toBe('open');
    const [bar] = await first(1, readMinuteBars(EUR));
    expect(bar).toEqual({ t: Date.parse('2024-01-01T23:01:00Z'), close: 1.1078 });
  });
});

describe('readMinuteBars on files that are not bars', () => {
  const dir = mkdtempSync(join(tmpdir(), 'minute-bars-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, name.endsWith('.gz') ? gzipSync(text) : text);
    return path;
  };
  const HEADER = 'timestamp_utc,open,high,low,close,volume\n';

  it('rejects a missing file with the system error', async () => {
    await expect(first(1, readMinuteBars(join(dir, 'no-such-file.csv.gz')))).rejects.toThrow(/ENOENT/);
  });

  it('rejects a file that is not gzip', async () => {
    const f = join(dir, 'plain-but-named.csv.gz');
    writeFileSync(f, HEADER);
    await expect(first(1, readMinuteBars(f))).rejects.toThrow(/header/);
  });

  it('names the file and line of a row that is not a bar, and of a row out of time order', async () => {
    const bad = file('bad.csv', `${HEADER}2024-01-01T00:00:00Z,1,1,1,1,1\n2024-01-01T00:01:00Z,1,1,1,,1\n`);
    await expect(first(5, readMinuteBars(bad))).rejects.toThrow(`${bad}:3: not a bar`);
    const back = file(
      'back.csv.gz',
      `${HEADER}2024-01-01T00:01:00Z,1,1,1,1,1\n2024-01-01T00:00:00Z,1,1,1,1,1\n`,
    );
    await expect(first(5, readMinuteBars(back))).rejects.toThrow(
      `${back}:3: 2024-01-01T00:01:00.000Z is not after`,
    );
  });

  it('reads a plain .csv too', async () => {
    const f = file('ok.csv', `${HEADER}2024-01-01T00:00:00Z,1,1,1,2.5,1\n`);
    await expect(first(5, readMinuteBars(f))).resolves.toEqual([
      { t: Date.parse('2024-01-01T00:01:00Z'), close: 2.5 },
    ]);
  });
});
