/**
 * Recorded 1-minute bars (../shared/data/market, README §5–7) as `{ t, close }`, streamed one
 * row at a time (gunzip + readline), so a caller that needs only the first bars stops reading
 * there.
 *
 * Two layouts read, by column name:
 *  - `timestamp_utc,open,high,low,close,volume[,…]`: the Binance 1m files, 6E;
 *  - `timestamp_utc,contract,contract_month,open,high,low,close,volume`: the AlgoSeek trade bars
 *    (ES, GC), which hold every listed expiry side by side. Mixing expiries would make a price
 *    series jump by the calendar spread, so these need a `contract` (e.g. `ESZ13`); only its
 *    rows are read.
 *
 * `t` is the bar's CLOSE time, epoch ms: the instant its close price is known, so the earliest
 * a model can act on it. The files label bars by their open time, except `cme-6eh4-*` which is
 * labelled by its close (README "Conventions"); `labelledBy` says which, and `barLabelOf` knows
 * the README's rule.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface MinuteBar {
  /** Close time, epoch ms. */
  readonly t: number;
  readonly close: number;
}

export interface ReadMinuteBarsOptions {
  /** Which expiry to read from a multi-contract file (required there, refused elsewhere). */
  readonly contract?: string;
  /** What `timestamp_utc` labels. Default: `barLabelOf(file)`. */
  readonly labelledBy?: 'open' | 'close';
}

/** A file that cannot be read as minute bars; the message names the file and the line. */
export class BarFileError extends Error {
  override readonly name = 'BarFileError';
}

const MINUTE_MS = 60_000;

/** The data README's labelling rule: bars are labelled by their open, except the 6E file's. */
export const barLabelOf = (file: string): 'open' | 'close' =>
  basename(file).startsWith('cme-6e') ? 'close' : 'open';

/**
 * The bars of a `.csv.gz` (or plain `.csv`) file in file order, which must be strictly
 * increasing in time (within the chosen contract). Throws a BarFileError at the first row that
 * is not a bar; a file that cannot be opened or gunzipped rejects with the system's error.
 */
export async function* readMinuteBars(
  file: string,
  options: ReadMinuteBarsOptions = {},
): AsyncGenerator<MinuteBar> {
  const label = options.labelledBy ?? barLabelOf(file);
  const raw = createReadStream(file);
  // pipeline, not pipe: an open or gunzip error then reaches readline's iterator (and this
  // generator's caller) instead of leaving it waiting for lines that never come.
  const input = file.endsWith('.gz') ? pipeline(raw, createGunzip(), () => undefined) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    let columns: Columns | undefined;
    let lineNo = 0;
    let lastT = -Infinity;
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      if (columns === undefined) {
        columns = columnsOf(file, line, options.contract);
        continue;
      }
      const bar = barOf(line.split(','), columns, label);
      if (bar === 'other contract') continue;
      if (bar === undefined) throw new BarFileError(`${file}:${lineNo}: not a bar: ${JSON.stringify(line)}`);
      if (bar.t <= lastT)
        throw new BarFileError(
          `${file}:${lineNo}: ${new Date(bar.t).toISOString()} is not after the previous bar (the file must be in time order)`,
        );
      lastT = bar.t;
      yield bar;
    }
    if (columns === undefined) throw new BarFileError(`${file}: empty, no header`);
  } finally {
    lines.close();
    input.destroy();
  }
}

interface Columns {
  readonly time: number;
  readonly close: number;
  /** The contract column and the one wanted, in a multi-contract file. */
  readonly contract?: { readonly index: number; readonly wanted: string };
}

const columnsOf = (file: string, header: string, contract: string | undefined): Columns => {
  const names = header.trim().split(',');
  const time = names.indexOf('timestamp_utc');
  const close = names.indexOf('close');
  if (time < 0 || close < 0)
    throw new BarFileError(
      `${file}: the header has no timestamp_utc and close columns: ${JSON.stringify(header)}`,
    );
  const index = names.indexOf('contract');
  if (index < 0) {
    if (contract !== undefined)
      throw new BarFileError(
        `${file}: holds one instrument (no contract column); a contract cannot be chosen`,
      );
    return { time, close };
  }
  if (contract === undefined)
    throw new BarFileError(`${file}: holds several contracts side by side; choose one (e.g. ESZ13)`);
  return { time, close, contract: { index, wanted: contract } };
};

/** One row as a bar; 'other contract' to skip; undefined when it is not a bar. */
const barOf = (
  cells: readonly string[],
  c: Columns,
  label: 'open' | 'close',
): MinuteBar | 'other contract' | undefined => {
  if (c.contract !== undefined && cells[c.contract.index] !== c.contract.wanted) return 'other contract';
  const ts = Date.parse(cells[c.time] ?? '');
  const closeText = cells[c.close] ?? '';
  const close = Number(closeText);
  if (!Number.isFinite(ts) || closeText.trim() === '' || !Number.isFinite(close) || close <= 0)
    return undefined;
  return { t: label === 'open' ? ts + MINUTE_MS : ts, close };
};
