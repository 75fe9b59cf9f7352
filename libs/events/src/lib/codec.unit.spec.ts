import * as E from 'fp-ts/Either';
import { decodeStored, decodeWire, encodeWire, newEvent, upcast, StoredEventFields } from './codec';
import { describeError } from './errors';
import { deriveId } from './ids';
import { RecordedEvent } from './envelope';

const meta = {
  correlationId: 'corr-1',
  causationId: null,
  producer: 'gateway',
  occurredAt: '2024-01-01T00:00:00.000Z',
};
const fill = {
  accountId: 'acc-1',
  instrument: 'BTCUSDT',
  clientOrderId: 'abc123',
  tradeId: 't-1',
  side: 'buy' as const,
  qty: '0.010',
  price: '42000.5',
  fee: '0.084',
  feeAsset: 'USDT',
  liquidity: 'maker' as const,
};
const recorded = (e: object): RecordedEvent =>
  ({
    ...e,
    stream: 'venue-acc-1',
    streamRevision: 0,
    globalPosition: 1,
    recordedAt: '2024-01-01T00:00:00.001Z',
  }) as RecordedEvent;

describe('newEvent', () => {
  it('stamps the current schema version', () => {
    const e = newEvent('OrderFilled', deriveId('x'), fill, meta);
    expect(E.isRight(e) && e.right.schemaVersion).toBe(1);
  });

  it('rejects a float-looking or negative quantity, naming the field and the value', () => {
    const e = newEvent('OrderFilled', deriveId('x'), { ...fill, qty: '-1' }, meta);
    expect(E.isLeft(e) && e.left).toMatchObject({ _tag: 'ValidationError', path: '/data/qty', value: '-1' });
    const e2 = newEvent('OrderFilled', deriveId('x'), { ...fill, price: '1e5' }, meta);
    expect(E.isLeft(e2) && describeError(e2.left)).toMatch(/^\/data\/price: .* \(got "1e5"\)$/);
  });

  it('rejects an unknown field and a non-UUID event id', () => {
    const e = newEvent('OrderFilled', deriveId('x'), { ...fill, extra: 1 } as typeof fill, meta);
    expect(E.isLeft(e) && e.left.path).toBe('/data/extra');
    const e2 = newEvent('OrderFilled', 'not-a-uuid', fill, meta);
    expect(E.isLeft(e2) && e2.left).toMatchObject({ path: '/eventId', value: 'not-a-uuid' });
  });
});

describe('upcasting', () => {
  const v1: StoredEventFields = {
    ...meta,
    eventId: deriveId('p'),
    type: 'PredictionReceived',
    schemaVersion: 1,
    data: {
      predictionId: 'p1',
      modelId: 'm1',
      symbol: 'BTCUSDT',
      signal: 0.25,
      asOf: '2024-01-01T00:00:00.000Z',
    },
    stream: 'prediction-m1',
    streamRevision: 0,
    globalPosition: 7,
    recordedAt: '2024-01-01T00:00:00.000Z',
  };

  it('lifts PredictionReceived v1 to the current version on read', () => {
    const d = decodeStored(v1);
    expect(E.isRight(d) && d.right).toMatchObject({
      schemaVersion: 4,
      data: {
        predictionId: 'p1',
        modelId: 'm1',
        instrument: 'BTCUSDT',
        value: 0.25,
        horizonSec: null,
        generatedAt: '2024-01-01T00:00:00.000Z',
        market: null,
      },
    });
  });

  it('refuses a version newer than the code knows', () => {
    expect(upcast('PredictionReceived', 5, {})).toEqual(
      E.left({
        _tag: 'ValidationError',
        path: '/schemaVersion',
        value: 5,
        message: 'must be an integer from 1 to 4 for PredictionReceived',
      }),
    );
  });

  it('refuses an unknown event type', () => {
    const d = decodeStored({ ...v1, type: 'Nope' });
    expect(E.isLeft(d) && d.left).toMatchObject({ path: '/type', value: 'Nope' });
  });
});

describe('wire format', () => {
  it('round-trips a recorded event', () => {
    const e = newEvent('OrderFilled', deriveId('x'), fill, meta);
    if (E.isLeft(e)) throw new Error('setup');
    const r = recorded(e.right);
    expect(decodeWire(encodeWire(r))).toEqual(E.right(r));
  });

  it('names what is wrong with garbage', () => {
    const g = decodeWire('not json');
    expect(E.isLeft(g) && g.left.message).toMatch(/^is not JSON/);
    const e = newEvent('OrderFilled', deriveId('x'), fill, meta);
    if (E.isLeft(e)) throw new Error('setup');
    const bad = { ...recorded(e.right), globalPosition: 'seven' };
    const d = decodeWire(JSON.stringify(bad));
    expect(E.isLeft(d) && d.left).toMatchObject({ path: '/globalPosition', value: 'seven' });
  });
});

describe('deriveId', () => {
  it('is a stable UUID v8 of its parts', () => {
    const a = deriveId('acc-1', 'evt-9', 3);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveId('acc-1', 'evt-9', 3)).toBe(a);
    expect(deriveId('acc-1', 'evt-9', 4)).not.toBe(a);
    // Joining must not let parts run together.
    expect(deriveId('ab', 'c')).not.toBe(deriveId('a', 'bc'));
  });
});
