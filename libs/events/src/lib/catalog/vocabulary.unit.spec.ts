/**
 * Events stored before the vocabulary change (catalog 0.1.0) still decode, as the current type
 * and shape: a type stored under its former name reads as the type it was renamed to, and the
 * upcasters rename (or drop) the fields. Venue, market, prediction and calendar contexts.
 */
import * as E from 'fp-ts/Either';
import { currentTypeOf, EVENT_DEFINITIONS } from '../catalog';
import { decodeStored, StoredEventFields, upcast } from '../codec';

const stored = (type: string, schemaVersion: number, data: unknown): StoredEventFields => ({
  eventId: '0c1e6f36-27a4-8d5e-9f0a-3f4b5c6d7e8f',
  type,
  schemaVersion,
  data,
  correlationId: 'corr-1',
  causationId: null,
  producer: 'gateway',
  occurredAt: '2026-01-01T00:00:00.000Z',
  stream: 'venue-acc-1',
  streamRevision: 3,
  globalPosition: 42,
  recordedAt: '2026-01-01T00:00:00.001Z',
});

const decoded = (raw: StoredEventFields) => {
  const d = decodeStored(raw);
  if (E.isLeft(d)) throw new Error(`${d.left.path}: ${d.left.message}`);
  return d.right;
};

describe('venue events stored under their 0.1.0 names', () => {
  it('reads a v1 PositionSnapshot as PositionReported v2, payload unchanged', () => {
    const data = {
      accountId: 'acc-1',
      venue: 'binanceusdm',
      positions: [{ instrument: 'BTC/USDT:USDT', qty: '-0.015', entryPrice: '87610.5' }],
    };
    expect(decoded(stored('PositionSnapshot', 1, data))).toEqual({
      ...stored('PositionSnapshot', 1, data),
      type: 'PositionReported',
      schemaVersion: 2,
    });
  });

  it('reads a v1 BalanceSnapshot as BalanceReported v2, payload unchanged', () => {
    const data = {
      accountId: 'acc-1',
      venue: 'binanceusdm',
      balances: [{ asset: 'USDT', total: '1000.25', free: '900' }],
    };
    expect(decoded(stored('BalanceSnapshot', 1, data))).toMatchObject({
      type: 'BalanceReported',
      schemaVersion: 2,
      data,
      eventId: '0c1e6f36-27a4-8d5e-9f0a-3f4b5c6d7e8f',
      globalPosition: 42,
    });
  });

  it('maps a former name only through the version it was stored under', () => {
    expect(currentTypeOf('PositionSnapshot', 1)).toBe('PositionReported');
    expect(currentTypeOf('BalanceSnapshot', 1)).toBe('BalanceReported');
    expect(currentTypeOf('PositionSnapshot', 2)).toBeUndefined();
    expect(currentTypeOf('PositionReported', 2)).toBe('PositionReported');
    const d = decodeStored(stored('PositionSnapshot', 2, { accountId: 'a', venue: 'v', positions: [] }));
    expect(E.isLeft(d) && d.left).toMatchObject({ path: '/type', value: 'PositionSnapshot' });
  });

  it('reads a v1 FundingPaid with `venueTs` as v2 with `venueAt`', () => {
    const d = decoded(
      stored('FundingPaid', 1, {
        accountId: 'acc-1',
        instrument: 'BTC/USDT:USDT',
        fundingId: '9689322392',
        amount: '-0.25',
        asset: 'USDT',
        venueTs: '2026-01-01T08:00:00.000Z',
      }),
    );
    expect(d).toMatchObject({ type: 'FundingPaid', schemaVersion: 2 });
    expect(d.data).toEqual({
      accountId: 'acc-1',
      instrument: 'BTC/USDT:USDT',
      fundingId: '9689322392',
      amount: '-0.25',
      asset: 'USDT',
      venueAt: '2026-01-01T08:00:00.000Z',
    });
  });
});

describe('market events', () => {
  it('reads a v1 QuoteUpdated with `venueTs` as v2 with `venueAt`', () => {
    const d = decoded(
      stored('QuoteUpdated', 1, {
        venue: 'binanceusdm',
        instrument: 'BTC/USDT:USDT',
        bidPrice: '87608.2',
        bidQty: '4.258',
        askPrice: '87608.3',
        askQty: '5.799',
        venueTs: '2025-12-31T23:59:59.950Z',
      }),
    );
    expect(d).toMatchObject({ type: 'QuoteUpdated', schemaVersion: 2 });
    expect(d.data).toEqual({
      venue: 'binanceusdm',
      instrument: 'BTC/USDT:USDT',
      bidPrice: '87608.2',
      bidQty: '4.258',
      askPrice: '87608.3',
      askQty: '5.799',
      venueAt: '2025-12-31T23:59:59.950Z',
    });
  });

  it('reads a v1 TradePrinted with `venueTs` as v2 with `venueAt`', () => {
    const d = decoded(
      stored('TradePrinted', 1, {
        venue: 'binanceusdm',
        instrument: 'BTC/USDT:USDT',
        tradeId: '1',
        price: '68613.9',
        qty: '0.005',
        side: 'sell',
        venueTs: '2024-10-28T15:42:23.833Z',
      }),
    );
    expect(d).toMatchObject({ type: 'TradePrinted', schemaVersion: 2 });
    expect(d.data).not.toHaveProperty('venueTs');
    expect(d.data).toMatchObject({ venueAt: '2024-10-28T15:42:23.833Z' });
  });

  it('still refuses a v1 quote without its venue time (the upcaster does not invent one)', () => {
    const d = decodeStored(
      stored('QuoteUpdated', 1, {
        venue: 'x',
        instrument: 'I',
        bidPrice: '1',
        bidQty: '1',
        askPrice: '2',
        askQty: '1',
      }),
    );
    expect(E.isLeft(d) && d.left.path).toBe('/data/venueAt');
  });
});

describe('prediction events', () => {
  it('reads a v3 PredictionReceived with `symbol` as v5 with `instrument` and a signal kind', () => {
    const market = {
      state: 'weekend',
      receivedWhileClosed: true,
      receivedAt: '2025-12-06T10:00:00.000Z',
      effectiveAt: '2025-12-07T23:00:00.000Z',
    };
    const d = decoded(
      stored('PredictionReceived', 3, {
        predictionId: 'p1',
        modelId: 'm1',
        symbol: 'CME:GC',
        value: 0.25,
        horizonSec: 3600,
        generatedAt: '2025-12-06T09:59:59.000Z',
        market,
      }),
    );
    expect(d).toMatchObject({ type: 'PredictionReceived', schemaVersion: 5 });
    expect(d.data).toEqual({
      predictionId: 'p1',
      modelId: 'm1',
      instrument: 'CME:GC',
      kind: 'signal',
      value: 0.25,
      confidence: null,
      ttlSec: null,
      horizonSec: 3600,
      generatedAt: '2025-12-06T09:59:59.000Z',
      market,
    });
  });

  it('lifts a v1 prediction through every upcaster to v5', () => {
    expect(
      upcast('PredictionReceived', 1, {
        predictionId: 'p1',
        modelId: 'm1',
        symbol: 'BTCUSDT',
        signal: 0.5,
        asOf: '2024-01-01T00:00:00.000Z',
      }),
    ).toEqual(
      E.right({
        version: 5,
        data: {
          predictionId: 'p1',
          modelId: 'm1',
          instrument: 'BTCUSDT',
          value: 0.5,
          kind: 'signal',
          confidence: null,
          ttlSec: null,
          horizonSec: null,
          generatedAt: '2024-01-01T00:00:00.000Z',
          market: null,
        },
      }),
    );
  });
});

describe('calendar events', () => {
  it('reads a v1 ContractMapped (`symbol`, `effectiveFrom`) as v2 (`instrument`, `effectiveAt`)', () => {
    const d = decoded(
      stored('ContractMapped', 1, {
        root: 'GC',
        symbol: 'CME:GC',
        contract: 'GCZ5',
        effectiveFrom: '2025-10-01T05:00:00.000Z',
      }),
    );
    expect(d).toMatchObject({ type: 'ContractMapped', schemaVersion: 2 });
    expect(d.data).toEqual({
      root: 'GC',
      instrument: 'CME:GC',
      contract: 'GCZ5',
      effectiveAt: '2025-10-01T05:00:00.000Z',
    });
  });

  it('reads a v1 RollCompleted without `completedAt` (v2: when is the envelope occurredAt)', () => {
    const d = decoded(
      stored('RollCompleted', 1, {
        accountId: 'acc-1',
        root: 'GC',
        fromContract: 'GCZ5',
        toContract: 'GCG6',
        completedAt: '2026-01-01T00:00:00.000Z',
      }),
    );
    expect(d).toMatchObject({
      type: 'RollCompleted',
      schemaVersion: 2,
      occurredAt: '2026-01-01T00:00:00.000Z',
    });
    expect(d.data).toEqual({ accountId: 'acc-1', root: 'GC', fromContract: 'GCZ5', toContract: 'GCG6' });
  });
});

describe('the catalog entries of this change', () => {
  it('are at the versions docs/events.md lists, with an upcaster from every older version', () => {
    const versions = Object.fromEntries(
      (
        [
          'PositionReported',
          'BalanceReported',
          'FundingPaid',
          'QuoteUpdated',
          'TradePrinted',
          'PredictionReceived',
          'ContractMapped',
          'RollCompleted',
        ] as const
      ).map((t) => {
        const def = EVENT_DEFINITIONS[t];
        const ups = def.upcasters as Readonly<Record<number, unknown>>;
        const missing = Array.from({ length: def.version - 1 }, (_, i) => i + 1).filter((v) => !ups[v]);
        return [t, { version: def.version, missing }];
      }),
    );
    expect(versions).toEqual({
      PositionReported: { version: 2, missing: [] },
      BalanceReported: { version: 2, missing: [] },
      FundingPaid: { version: 2, missing: [] },
      QuoteUpdated: { version: 2, missing: [] },
      TradePrinted: { version: 2, missing: [] },
      PredictionReceived: { version: 5, missing: [] },
      ContractMapped: { version: 2, missing: [] },
      RollCompleted: { version: 2, missing: [] },
    });
  });
});
