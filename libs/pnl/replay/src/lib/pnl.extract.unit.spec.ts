/**
 * The short cut reads exactly what full decoding gives the fold, and declines (null) whatever
 * it cannot read safely, so the caller decodes in full.
 */
import { RecordedEvent } from '@keel/events';
import { toPnlInput } from '@keel/pnl-domain';
import { extractPnlInput } from './pnl.extract';
import { packInput, packUndecodable, unpackPage } from './pnl.packed';
import { syntheticSession } from './synthetic.session';

/** The envelope text exactly as the embedded store writes it (see sqlite.schema.ts). */
const stored = (stream: string, position: number, e: Record<string, unknown>): string =>
  `{"globalPosition":${position},"streamRevision":0,"recordedAt":${JSON.stringify(e['occurredAt'])},${JSON.stringify({ stream, eventId: e['eventId'], type: e['type'], schemaVersion: e['schemaVersion'], correlationId: e['correlationId'], causationId: e['causationId'], producer: e['producer'], occurredAt: e['occurredAt'], data: e['data'] }).slice(1)}`;

describe('extractPnlInput', () => {
  const funding = {
    stream: 'venue-a',
    event: {
      eventId: 'f',
      type: 'FundingPaid',
      schemaVersion: 2,
      correlationId: 'c',
      causationId: null,
      producer: 'gateway',
      occurredAt: '2026-01-01T08:00:00.000Z',
      data: {
        accountId: 'a',
        instrument: 'I',
        fundingId: 'f1',
        amount: '-0.25',
        asset: 'USDT',
        venueAt: '2026-01-01T08:00:00Z',
      },
    },
  };
  const session = [...syntheticSession({ events: 5_000 }), funding];

  it('gives the same input as full decoding for every fill, quote and funding of a session', () => {
    let n = 0;
    session.forEach(({ stream, event }, i) => {
      const text = stored(stream, i + 1, event as unknown as Record<string, unknown>);
      const full = toPnlInput(JSON.parse(text) as RecordedEvent);
      const quick = extractPnlInput(i + 1, event.type, text);
      expect(quick).toEqual(full);
      if (full) n++;
    });
    expect(n).toBeGreaterThan(3_000);
    expect(session.some((e) => e.event.type === 'FundingPaid')).toBe(true);
  });

  const quote = (data: Record<string, unknown>, version = 2) =>
    stored('venue-md.x', 7, {
      eventId: 'e',
      type: 'QuoteUpdated',
      schemaVersion: version,
      correlationId: 'c',
      causationId: null,
      producer: 'p',
      occurredAt: '2026-01-01T00:00:00.000Z',
      data,
    });
  const good = {
    venue: 'x',
    instrument: 'BTC/USDT:USDT',
    bidPrice: '1.5',
    bidQty: '1',
    askPrice: '1.6',
    askQty: '1',
    venueAt: '2026-01-01T00:00:00Z',
  };

  it.each([
    ['another schema version', quote(good, 3)],
    ['an escaped quote inside a value', quote({ ...good, instrument: 'a"b' })],
    ['a price that breaks its schema', quote({ ...good, bidPrice: '1e5' })],
    ['a zero price', quote({ ...good, askPrice: '0' })],
    ['a missing field', quote({ ...good, askPrice: undefined })],
    ['a missing venue', quote({ ...good, venue: undefined })],
  ])('declines %s', (_what, text) => {
    expect(extractPnlInput(7, 'QuoteUpdated', text)).toBeNull();
  });

  it('reads a v1 quote (stored with `venueTs`) as it reads a v2 one: the fold reads neither time', () => {
    const { venueAt, ...v1 } = good;
    expect(extractPnlInput(7, 'QuoteUpdated', quote({ ...v1, venueTs: venueAt }, 1))).toEqual(
      extractPnlInput(7, 'QuoteUpdated', quote(good)),
    );
    expect(extractPnlInput(7, 'QuoteUpdated', quote(good))).not.toBeNull();
  });

  it('reads a good quote', () => {
    expect(extractPnlInput(7, 'QuoteUpdated', quote(good))).toEqual({
      type: 'quote',
      position: 7,
      ts: '2026-01-01T00:00:00.000Z',
      venue: 'x',
      instrument: 'BTC/USDT:USDT',
      bid: '1.5',
      ask: '1.6',
    });
  });
});

describe('packed pages', () => {
  it('round-trip inputs and undecodable reports', () => {
    const inputs = [
      {
        type: 'quote' as const,
        venue: 'binanceusdm',
        position: 1,
        ts: '2026-01-01T00:00:00.000Z',
        instrument: 'I',
        bid: '1',
        ask: '2',
      },
      {
        type: 'fill' as const,
        position: 2,
        ts: '2026-01-01T00:00:00.000Z',
        accountId: 'a',
        instrument: 'I',
        side: 'sell' as const,
        qty: '1',
        price: '2',
        fee: '-0.1',
        feeAsset: 'BNB',
      },
      {
        type: 'funding' as const,
        position: 3,
        ts: '2026-01-01T00:00:00.000Z',
        accountId: 'a',
        instrument: 'I',
        amount: '-3',
        asset: 'USDT',
      },
      {
        type: 'listing' as const,
        position: 4,
        ts: '2026-01-01T00:00:00.000Z',
        venue: 'okx',
        accountIds: ['a', 'b'],
        instruments: [{ symbol: 'BTC/USDT:USDT', contractSize: '0.01', settle: 'USDT' }],
      },
    ];
    const rejected: unknown[] = [];
    const text = [
      ...inputs.map(packInput),
      packUndecodable({ position: 4, type: 'OrderFilled', message: 'bad\n"value"\t!' }),
    ].join('\n');
    expect(unpackPage(text, (r) => rejected.push(r))).toEqual(inputs);
    expect(rejected).toEqual([{ position: 4, type: 'OrderFilled', message: 'bad\n"value"\t!' }]);
  });
});
