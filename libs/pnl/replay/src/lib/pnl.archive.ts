/**
 * The PnL archive: the fold's inputs (fills, quotes, funding) of an embedded store, kept
 * columnar beside it, so a backfill reads typed arrays instead of one JSON document per
 * event. It is derived and disposable: built from the log (by the balance-aggregator as the log grows, or
 * by `keel replay archive`), checked against the log on every read, and a replay without it
 * (or past its end) reads the log itself, with the same result.
 *
 * Layout: a SQLite file `<store>.pnl-archive` with one row per segment of the log. A segment
 * covers a span of global positions (after, last], `SEGMENT_SPAN` of them, except the last
 * one, which ends at the head it was built at and is rebuilt (longer) by the next run.
 * Positions at or below the head never change (the store assigns them under its write
 * lock), so a segment stays true. A segment keeps a fingerprint of the last event it covers
 * (SHA-256 of its recorded envelope: id, time, data); a reader compares it with the store's,
 * so an archive of another store (or of a store rebuilt from scratch) is never used.
 *
 * Segment body (one buffer; n inputs in log order):
 *   u32 magic "KPA2" | u32 header length | header JSON { n, dict, text } | pad to 8
 *   Float64 × n: position, event ms, a, b, c | Uint16 × n: instrument, account, asset (dict index)
 *   Uint8 × n: kind, scale of a, of b, of c
 * kind 0 quote (a bid, b ask; `account` is the venue), 1 fill (a signed qty, b price, c fee;
 * `asset` the fee's), 2 funding (a amount; `asset` its asset): each decimal a mantissa (a safe
 * integer of at most 15 digits) and its scale (≤ 18); kind 3: a listing, or an input whose
 * decimals do not fit, kept as text (`text[a]`, pnl.packed.ts).
 *
 * Format 2 (quote venues, fee and funding assets, listings: the fold's units) replaced 1; an
 * archive of another format is not read (a replay reads the log and says why) and is rebuilt
 * from scratch by the next `extendPnlArchive`.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { InfrastructureError, infrastructureError } from '@keel/events';
import { openRawLogScanner, RawLogScanner } from '@keel/event-store';
import { decimalParts, isoMs, PNL_INPUT_TYPES, PnlInput, QTY_DP } from '@keel/pnl-domain';
import { rawPages } from './log.source';
import { rowInput, UndecodableReport } from './pnl.extract';
import { packInput, unpackPage } from './pnl.packed';

export const ARCHIVE_FORMAT = 2;
/**
 * Positions per segment: ~10k inputs, ~0.5 MB at the synthetic session's mix, ~0.1 s to
 * build (the balance-aggregator builds one at a time between its own work).
 */
export const SEGMENT_SPAN = 16_384;
const MAGIC = 0x4b504132; // "KPA2"

export const archivePathOf = (storePath: string): string => `${storePath}.pnl-archive`;

/** The fingerprint of the event a segment ends with: SHA-256 of its recorded envelope (hex). */
const fingerprint = (scanner: RawLogScanner, position: number): string | null => {
  const at = scanner.lastAtOrBefore(position);
  return at === null ? null : createHash('sha256').update(at.envelope).digest('hex');
};

const DDL = `
CREATE TABLE IF NOT EXISTS segments (
  last          INTEGER PRIMARY KEY,
  after         INTEGER NOT NULL,
  events        INTEGER NOT NULL,
  inputs        INTEGER NOT NULL,
  last_event   TEXT    NOT NULL,
  body          BLOB    NOT NULL
);`;

/** What an input of a segment is (its `kind` column). */
export const Kind = { Quote: 0, Fill: 1, Funding: 2, Text: 3 } as const;

/** One decoded segment: columns over the same n inputs. */
export interface Segment {
  readonly after: number;
  readonly last: number;
  /** Events of every type in (after, last]. */
  readonly events: number;
  readonly n: number;
  readonly dict: readonly string[];
  readonly text: readonly PnlInput[];
  readonly position: Float64Array;
  readonly ms: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;
  readonly instrument: Uint16Array;
  /** The account of a fill or funding payment; the venue of a quote. */
  readonly account: Uint16Array;
  /** The asset of a fill's fee or of a funding payment. */
  readonly asset: Uint16Array;
  readonly kind: Uint8Array;
  readonly sa: Uint8Array;
  readonly sb: Uint8Array;
  readonly sc: Uint8Array;
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** Encode a segment's inputs (log order). */
export const encodeSegment = (inputs: readonly PnlInput[]): Buffer => {
  const n = inputs.length;
  const dict: string[] = [];
  const dictIds = new Map<string, number>();
  const text: string[] = [];
  const id = (s: string): number => {
    let i = dictIds.get(s);
    if (i === undefined) {
      i = dict.length;
      dict.push(s);
      dictIds.set(s, i);
    }
    return i;
  };
  const position = new Float64Array(n),
    ms = new Float64Array(n),
    a = new Float64Array(n),
    b = new Float64Array(n),
    c = new Float64Array(n);
  const instrument = new Uint16Array(n),
    account = new Uint16Array(n),
    asset = new Uint16Array(n);
  const kind = new Uint8Array(n),
    sa = new Uint8Array(n),
    sb = new Uint8Array(n),
    sc = new Uint8Array(n);
  const parts = { m: 0, s: 0 };
  const put = (col: Float64Array, scales: Uint8Array, i: number, v: string): boolean => {
    if (!decimalParts(v, QTY_DP, parts)) return false;
    col[i] = parts.m;
    scales[i] = parts.s;
    return true;
  };
  for (let i = 0; i < n; i++) {
    const x = inputs[i]!;
    position[i] = x.position;
    ms[i] = isoMs(x.ts);
    let fits: boolean;
    if (x.type === 'quote') {
      kind[i] = Kind.Quote;
      instrument[i] = id(x.instrument);
      account[i] = id(x.venue);
      fits = put(a, sa, i, x.bid) && put(b, sb, i, x.ask);
    } else if (x.type === 'fill') {
      kind[i] = Kind.Fill;
      instrument[i] = id(x.instrument);
      account[i] = id(x.accountId);
      asset[i] = id(x.feeAsset);
      fits =
        put(a, sa, i, x.side === 'buy' ? x.qty : `-${x.qty}`) &&
        put(b, sb, i, x.price) &&
        put(c, sc, i, x.fee);
    } else if (x.type === 'funding') {
      kind[i] = Kind.Funding;
      instrument[i] = id(x.instrument);
      account[i] = id(x.accountId);
      asset[i] = id(x.asset);
      fits = put(a, sa, i, x.amount);
    } else fits = false; // a listing: rare, kept as text
    if (!fits) {
      kind[i] = Kind.Text;
      a[i] = text.length;
      text.push(packInput(x));
    }
  }
  if (dict.length > 0xffff)
    throw new Error(`a segment names ${dict.length} instruments and accounts; the format holds 65,535`);
  const header = Buffer.from(JSON.stringify({ n, dict, text }));
  const start = pad8(8 + header.length);
  const floats = start + 5 * 8 * n;
  const shorts = floats + 3 * 2 * n;
  const total = shorts + 4 * n;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  let at = start;
  for (const col of [position, ms, a, b, c, instrument, account, asset, kind, sa, sb, sc]) {
    const bytes = Buffer.from(col.buffer, col.byteOffset, col.byteLength);
    bytes.copy(out, at);
    at += bytes.length;
  }
  return out;
};

/** Decode a segment body (columns are views on an aligned copy). */
export const decodeSegment = (
  body: Uint8Array,
  meta: { readonly after: number; readonly last: number; readonly events: number },
): Segment => {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body.byteLength < 8 || view.getUint32(0, true) !== MAGIC)
    throw new Error(`PnL archive segment (${meta.after}, ${meta.last}] is not format ${ARCHIVE_FORMAT}`);
  const headerLength = view.getUint32(4, true);
  const header = JSON.parse(Buffer.from(body.buffer, body.byteOffset + 8, headerLength).toString('utf8')) as {
    n: number;
    dict: string[];
    text: string[];
  };
  const n = header.n;
  const start = pad8(8 + headerLength);
  // Float64Array views need 8-byte alignment: copy the columns into a fresh buffer.
  const buf = new ArrayBuffer(body.byteLength - start);
  new Uint8Array(buf).set(body.subarray(start));
  let at = 0;
  const f64 = () => new Float64Array(buf, (at += 8 * n) - 8 * n, n);
  const u16 = () => new Uint16Array(buf, (at += 2 * n) - 2 * n, n);
  const u8 = () => new Uint8Array(buf, (at += n) - n, n);
  const text: PnlInput[] =
    header.text.length === 0 ? [] : unpackPage(header.text.join('\n'), () => undefined);
  return {
    ...meta,
    n,
    dict: header.dict,
    text,
    position: f64(),
    ms: f64(),
    a: f64(),
    b: f64(),
    c: f64(),
    instrument: u16(),
    account: u16(),
    asset: u16(),
    kind: u8(),
    sa: u8(),
    sb: u8(),
    sc: u8(),
  };
};

export interface SegmentRef {
  readonly after: number;
  readonly last: number;
  readonly events: number;
  readonly inputs: number;
}

/** The readable part of an archive: contiguous segments from position 0, each checked against the store. */
export interface PnlArchive {
  readonly segments: readonly SegmentRef[];
  /** The last position the archive covers (0: none). */
  readonly last: number;
  /** Read and decode one segment (checked against the store first). */
  read(ref: SegmentRef): Segment;
  close(): void;
}

export type ArchiveProblem = string;

/**
 * Open the archive beside an embedded store for reading. Right(null) when there is none;
 * Left(reason) when one exists but cannot be used (another format, not matching the store):
 * the caller reads the log instead and says why.
 */
export const openPnlArchive = (
  storePath: string,
  scanner: RawLogScanner,
): E.Either<ArchiveProblem, PnlArchive | null> => {
  const file = archivePathOf(storePath);
  if (!fs.existsSync(file)) return E.right(null);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const conn = db;
    const format = conn.pragma('user_version', { simple: true }) as number;
    if (format !== ARCHIVE_FORMAT)
      throw new Error(`it has format ${format}; this build reads format ${ARCHIVE_FORMAT}`);
    const rows = conn
      .prepare('SELECT after, last, events, inputs, last_event AS lastEvent FROM segments ORDER BY last')
      .all() as (SegmentRef & { lastEvent: string })[];
    const segments: SegmentRef[] = [];
    const ids = new Map<number, string>();
    let expect = 0;
    for (const r of rows) {
      if (r.after !== expect) break; // a gap: use what is contiguous from 0
      segments.push({ after: r.after, last: r.last, events: r.events, inputs: r.inputs });
      ids.set(r.last, r.lastEvent);
      expect = r.last;
    }
    const body = conn.prepare('SELECT body FROM segments WHERE last = ?').pluck();
    const check = (ref: SegmentRef): void => {
      const seen = fingerprint(scanner, ref.last);
      if (seen !== ids.get(ref.last))
        throw new ArchiveMismatch(
          `segment (${ref.after}, ${ref.last}] does not match the store (its last event is ${seen === null ? 'missing from the store' : 'another event there'}): an archive of another store, or of an earlier one at the same path`,
        );
    };
    // The first segment is checked now, so an archive of another store is refused before any use.
    if (segments.length > 0) check(segments[0]!);
    return E.right({
      segments,
      last: segments.length === 0 ? 0 : segments[segments.length - 1]!.last,
      read: (ref) => {
        check(ref);
        return decodeSegment(body.get(ref.last) as Buffer, ref);
      },
      close: () => conn.close(),
    });
  } catch (e) {
    if (db?.open) db.close();
    return E.left(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
};

/** A segment of the archive does not match the store it sits beside. */
export class ArchiveMismatch extends Error {}

export interface ArchiveRunResult {
  /** Segments written by this run. */
  readonly written: number;
  /** The last position the archive covers now. */
  readonly last: number;
  /** Events of every type the archive covers now. */
  readonly events: number;
  /** Why it stopped before the head's last complete segment, if it did. */
  readonly stoppedAt: UndecodableReport | null;
}

/**
 * Extend the archive of an embedded store up to the head (`upTo`, default the head), at most
 * `maxSegments` segments per call. Idempotent; safe beside live writers (it reads the store
 * read-only). An archive that does not match the store is rebuilt from position 0. An event
 * that does not decode ends the archive before its segment (replays read the rest from the
 * log and report it).
 */
export const extendPnlArchive = (
  storePath: string,
  scanner: RawLogScanner,
  o: {
    readonly upTo?: number;
    readonly span?: number;
    readonly maxSegments?: number;
    readonly onSegment?: (ref: SegmentRef) => void;
  } = {},
): E.Either<InfrastructureError, ArchiveRunResult> => {
  const span = o.span ?? SEGMENT_SPAN;
  let db: Database.Database | undefined;
  try {
    db = new Database(archivePathOf(storePath));
    const conn = db;
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = NORMAL');
    conn.pragma('busy_timeout = 5000');
    const format = conn.pragma('user_version', { simple: true }) as number;
    if (format !== 0 && format !== ARCHIVE_FORMAT) conn.exec('DROP TABLE IF EXISTS segments');
    conn.exec(DDL);
    conn.pragma(`user_version = ${ARCHIVE_FORMAT}`);
    const insert = conn.prepare(
      'INSERT OR REPLACE INTO segments (last, after, events, inputs, last_event, body) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const upTo = Math.min(o.upTo ?? scanner.head(), scanner.head());
    // Resume after the last segment that matches the store and is full (or ends at upTo);
    // drop the rest (a short last segment is rebuilt longer, a segment of another store from scratch).
    const rows = conn
      .prepare('SELECT after, last, events, last_event AS lastEvent FROM segments ORDER BY last')
      .all() as { after: number; last: number; events: number; lastEvent: string }[];
    // The contiguous prefix first (no I/O); then one fingerprint, of its last segment, which is
    // enough for an append-only log (readers check every segment they use). Only when that one
    // does not match is each segment checked, to keep what still matches.
    const prefix: typeof rows = [];
    for (const r of rows) {
      if (r.after !== (prefix.at(-1)?.last ?? 0) || (r.last - r.after !== span && r.last !== upTo)) break;
      prefix.push(r);
    }
    const matches = (r: (typeof rows)[number]): boolean => fingerprint(scanner, r.last) === r.lastEvent;
    const tail = prefix.at(-1);
    const kept =
      tail === undefined || matches(tail)
        ? prefix
        : prefix.slice(
            0,
            Math.max(
              0,
              prefix.findIndex((r) => !matches(r)),
            ),
          );
    let last = kept.at(-1)?.last ?? 0;
    let events = kept.reduce((n, r) => n + r.events, 0);
    conn.prepare('DELETE FROM segments WHERE last > ?').run(last);
    let written = 0;
    let stoppedAt: ArchiveRunResult['stoppedAt'] = null;
    while (last < upTo && written < (o.maxSegments ?? Number.POSITIVE_INFINITY)) {
      const end = Math.min(last + span, upTo);
      const inputs: PnlInput[] = [];
      for (const rows of rawPages(scanner, PNL_INPUT_TYPES, last, end, 4096)) {
        for (const row of rows) {
          const input = rowInput(row, false);
          if (input === null) continue;
          if ('undecodable' in input) {
            stoppedAt = input.undecodable;
            break;
          }
          inputs.push(input);
        }
        if (stoppedAt !== null) break;
      }
      if (stoppedAt !== null) break;
      const lastEvent = fingerprint(scanner, end);
      if (lastEvent === null) break; // no event yet to check a segment against
      const count = scanner.count(last, end);
      insert.run(end, last, count, inputs.length, lastEvent, encodeSegment(inputs));
      const ref = { after: last, last: end, events: count, inputs: inputs.length };
      written++;
      events += count;
      last = end;
      o.onSegment?.(ref);
    }
    return E.right({ written, last, events, stoppedAt });
  } catch (e) {
    return E.left(infrastructureError('pnl-archive', 'extend', e));
  } finally {
    if (db?.open) db.close();
  }
};

/** `extendPnlArchive` on a store file, with a read-only scanner of its own; also says the head it saw. */
export const extendPnlArchiveOf = (
  storePath: string,
  o: Parameters<typeof extendPnlArchive>[2] = {},
): E.Either<InfrastructureError, ArchiveRunResult & { readonly head: number }> => {
  const scanner = openRawLogScanner(storePath);
  if (E.isLeft(scanner)) return scanner;
  try {
    const head = scanner.right.head();
    return E.map((r: ArchiveRunResult) => ({ ...r, head }))(
      extendPnlArchive(storePath, scanner.right, { upTo: head, ...o }),
    );
  } finally {
    scanner.right.close();
  }
};
