/**
 * Translation between Keel's envelope and KurrentDB/EventStoreDB records, kept apart from
 * the adapter's I/O so it can be read (and unit-tested) on a machine with no server.
 * Keel's envelope fields travel in the event metadata, next to the `$correlationId` /
 * `$causationId` keys the server's own projections understand.
 */
import * as E from 'fp-ts/Either';
import {
  ANY,
  AppendStreamState,
  eventTypeFilter,
  Filter,
  JSONType,
  jsonEvent,
  NO_STREAM,
  Position,
  STREAM_EXISTS,
  streamNameFilter,
  EventData as KurrentEventData,
  AllStreamRecordedEvent,
  RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import {
  ConcurrencyError,
  StoredEventFields,
  storedTypeNames,
  storedTypeSet,
  streamCategory,
} from '@keel/events';
import { describeExpected } from './append.guard';
import { AllFilter, ExpectedRevision } from './port';
import { RawEventInput } from './raw-append.hook';

/** Event type of snapshot records; they live in `snapshot-<key>` streams and are never Keel events. */
export const SNAPSHOT_TYPE = 'KeelSnapshot';
export const snapshotStream = (key: string): string => `snapshot-${key}`;

/** What Keel puts in each event's metadata. */
export interface KeelMetadata {
  readonly schemaVersion: number;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly producer: string;
  readonly occurredAt: string;
  readonly $correlationId: string;
  readonly $causationId?: string;
}

export const toStreamState = (expected: ExpectedRevision): AppendStreamState => {
  switch (expected) {
    case 'any':
      return ANY;
    case 'noStream':
      return NO_STREAM;
    case 'exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
};

export const toEventData = (e: RawEventInput): KurrentEventData => {
  const metadata: KeelMetadata = {
    schemaVersion: e.schemaVersion,
    correlationId: e.correlationId,
    causationId: e.causationId,
    producer: e.producer,
    occurredAt: e.occurredAt,
    $correlationId: e.correlationId,
    ...(e.causationId === null ? {} : { $causationId: e.causationId }),
  };
  return jsonEvent({ id: e.eventId, type: e.type, data: e.data as JSONType, metadata: { ...metadata } });
};

// Commit positions are byte offsets in the server's log: far below 2^53 in practice. The
// server reports "unknown" as 2^64 - 1 (e.g. on stream reads from old servers).
const UNKNOWN_POSITION = 2n ** 63n;
export const toNumberPosition = (p: bigint | undefined): number =>
  p === undefined || p >= UNKNOWN_POSITION ? 0 : Number(p);

/** Positions Keel hands out are commit positions of events, whose prepare position is the same. */
export const toReadPosition = (after: number): Position => ({
  commit: BigInt(after),
  prepare: BigInt(after),
});

export const isKeelRecord = (e: { streamId: string; type: string }): boolean =>
  !e.streamId.startsWith('$') && !e.type.startsWith('$') && e.type !== SNAPSHOT_TYPE;

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) ? (v as Record<string, unknown>) : {};

/** The stored fields of a record (decoding happens after, like every adapter). */
export const toStored = (
  e: KurrentRecordedEvent | AllStreamRecordedEvent,
  commitPosition?: bigint,
): StoredEventFields => {
  const meta = asRecord(e.metadata);
  let data: unknown = e.data;
  // isView, not instanceof: the client's buffers may come from another realm.
  if (ArrayBuffer.isView(data)) {
    const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    try {
      data = JSON.parse(text);
    } catch {
      data = text; // left for decoding to reject, naming the position
    }
  }
  return {
    eventId: e.id,
    type: e.type,
    schemaVersion: typeof meta['schemaVersion'] === 'number' ? meta['schemaVersion'] : NaN,
    data,
    correlationId: String(meta['correlationId'] ?? ''),
    causationId: typeof meta['causationId'] === 'string' ? meta['causationId'] : null,
    producer: String(meta['producer'] ?? ''),
    occurredAt: String(meta['occurredAt'] ?? ''),
    stream: e.streamId,
    streamRevision: Number(e.revision),
    globalPosition: toNumberPosition(e.position?.commit ?? commitPosition),
    recordedAt: e.created.toISOString(),
  };
};

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The server-side filter for a Keel filter. The server filters on one thing; when both are
 * given it filters on event type and the adapter checks categories itself. With no filter,
 * system events and snapshots are left out at the server.
 */
export const toServerFilter = (filter: AllFilter | undefined): Filter => {
  if (filter?.eventTypes !== undefined)
    return eventTypeFilter({
      regex: `^(${storedTypeNames(filter.eventTypes).map(escapeRegex).join('|') || '(?!)'})$`,
    });
  if (filter?.streamCategories !== undefined)
    return streamNameFilter({
      regex: `^(${filter.streamCategories.map(escapeRegex).join('|') || '(?!)'})(-|$)`,
    });
  return eventTypeFilter({ regex: `^(?!\\$|${SNAPSHOT_TYPE}$)` });
};

export const matchesKeelFilter = (filter: AllFilter | undefined, stream: string, type: string): boolean =>
  (filter?.streamCategories === undefined || filter.streamCategories.includes(streamCategory(stream))) &&
  (filter?.eventTypes === undefined || storedTypeSet(filter.eventTypes).has(type));

/** The server's wrong-expected-version error, as Keel's ConcurrencyError. */
export const toConcurrencyError = (
  stream: string,
  expected: ExpectedRevision,
  actual: unknown,
): ConcurrencyError => ({
  _tag: 'ConcurrencyError',
  stream,
  expected: describeExpected(expected),
  actual: actual === NO_STREAM || actual === undefined || actual === -1n ? 'noStream' : String(actual),
});

/** Snapshot payload as stored in the snapshot stream. */
export const decodeSnapshot = (
  data: unknown,
): E.Either<string, { position: number; version: number; state: unknown }> => {
  const d = asRecord(data);
  return typeof d['position'] === 'number' && typeof d['version'] === 'number' && 'state' in d
    ? E.right({ position: d['position'], version: d['version'], state: d['state'] })
    : E.left('snapshot record is not {position, version, state}');
};
