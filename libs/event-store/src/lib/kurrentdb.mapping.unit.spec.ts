import { NO_STREAM } from '@kurrent/kurrentdb-client';
import { fill } from '../testing/event-store.fixtures';
import { normaliseConnectionString } from './kurrentdb.store';
import { matchesFilter } from './memory.store';
import {
  isKeelRecord,
  matchesKeelFilter,
  SNAPSHOT_TYPE,
  toConcurrencyError,
  toEventData,
  toNumberPosition,
  toServerFilter,
  toStored,
  toStreamState,
} from './kurrentdb.mapping';

// The adapter cannot run here (no server); its pure translation can.
describe('KurrentDB mapping', () => {
  it('maps expected revisions to stream states', () => {
    expect([
      toStreamState('any'),
      toStreamState('noStream'),
      toStreamState('exists'),
      toStreamState(4),
    ]).toEqual(['any', 'no_stream', 'stream_exists', 4n]);
  });

  it('round-trips a Keel event through event data and a recorded event', () => {
    const e = fill('k', 1, 1);
    const data = toEventData(e);
    expect(data).toMatchObject({
      id: e.eventId,
      type: 'OrderFilled',
      contentType: 'application/json',
      data: e.data,
    });
    expect(data.metadata).toMatchObject({
      schemaVersion: 1,
      $correlationId: e.correlationId,
      producer: e.producer,
    });
    expect(data.metadata).not.toHaveProperty('$causationId');
    const stored = toStored({
      streamId: 'venue-1',
      id: e.eventId,
      isJson: true,
      revision: 3n,
      type: e.type,
      created: new Date('2024-01-01T00:00:00.123Z'),
      data: e.data as unknown as Record<string, unknown>,
      metadata: data.metadata as Record<string, unknown>,
      position: { commit: 1234n, prepare: 1234n },
    });
    expect(stored).toEqual({
      ...e,
      stream: 'venue-1',
      streamRevision: 3,
      globalPosition: 1234,
      recordedAt: '2024-01-01T00:00:00.123Z',
    });
  });

  it('maps a wrong expected version to a ConcurrencyError with expected and actual', () => {
    expect(toConcurrencyError('venue-1', 2, 5n)).toEqual({
      _tag: 'ConcurrencyError',
      stream: 'venue-1',
      expected: '2',
      actual: '5',
    });
    expect(toConcurrencyError('venue-1', 'exists', NO_STREAM)).toMatchObject({
      expected: 'exists',
      actual: 'noStream',
    });
  });

  it('treats the unknown position as 0 and skips system events and snapshots', () => {
    expect(toNumberPosition(2n ** 64n - 1n)).toBe(0);
    expect(toNumberPosition(undefined)).toBe(0);
    expect(isKeelRecord({ streamId: '$stats-1', type: 'x' })).toBe(false);
    expect(isKeelRecord({ streamId: 'venue-1', type: '$metadata' })).toBe(false);
    expect(isKeelRecord({ streamId: 'snapshot-app:x', type: SNAPSHOT_TYPE })).toBe(false);
    expect(isKeelRecord({ streamId: 'venue-1', type: 'OrderFilled' })).toBe(true);
  });

  it('builds server filters: exact types, categories as stream prefixes, system events out by default', () => {
    expect(toServerFilter({ eventTypes: ['OrderFilled', 'OrderAccepted'] })).toMatchObject({
      filterOn: 'eventType',
      regex: '^(OrderFilled|OrderAccepted)$',
    });
    expect(toServerFilter({ streamCategories: ['venue'] })).toMatchObject({
      filterOn: 'streamName',
      regex: '^(venue)(-|$)',
    });
    expect(toServerFilter(undefined)).toMatchObject({
      filterOn: 'eventType',
      regex: `^(?!\\$|${SNAPSHOT_TYPE}$)`,
    });
  });

  it('asks for a renamed type under the names it was stored as before, too', () => {
    expect(toServerFilter({ eventTypes: ['PositionReported'] })).toMatchObject({
      regex: '^(PositionReported|PositionSnapshot)$',
    });
    expect(matchesKeelFilter({ eventTypes: ['PositionReported'] }, 'venue-a', 'PositionSnapshot')).toBe(true);
    expect(matchesKeelFilter({ eventTypes: ['PositionReported'] }, 'venue-a', 'BalanceSnapshot')).toBe(false);
    expect(matchesFilter({ eventTypes: ['ChildOrderCancelled'] }, 'execution-a', 'ChildOrderClosed')).toBe(
      true,
    );
  });

  it('rewrites the deprecated esdb scheme', () => {
    expect(normaliseConnectionString('esdb://localhost:2113?tls=false')).toBe(
      'kurrentdb://localhost:2113?tls=false',
    );
    expect(normaliseConnectionString('esdb+discover://a:2113')).toBe('kurrentdb+discover://a:2113');
    expect(normaliseConnectionString('kurrentdb://a:2113')).toBe('kurrentdb://a:2113');
  });
});
