import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { currentTypeOf } from './catalog';
import {
  decodeData,
  decodeEvent,
  decodeStored,
  decodeWire,
  encodeData,
  encodeEvent,
  encodeWire,
  newEvent,
  upcast,
  StoredEventFields,
} from './codec';
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
      schemaVersion: 5,
      data: {
        predictionId: 'p1',
        modelId: 'm1',
        instrument: 'BTCUSDT',
        kind: 'signal',
        value: 0.25,
        confidence: null,
        ttlSec: null,
        horizonSec: null,
        generatedAt: '2024-01-01T00:00:00.000Z',
        market: null,
      },
    });
  });

  it('refuses a version newer than the code knows', () => {
    expect(upcast('PredictionReceived', 6, {})).toEqual(
      E.left({
        _tag: 'ValidationError',
        path: '/schemaVersion',
        value: 6,
        message: 'must be an integer from 1 to 5 for PredictionReceived',
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

describe('the domain form (decodeData / encodeData)', () => {
  const equity = {
    accountId: 'acc-1',
    currency: 'USDT',
    equity: '-12.5',
    asOf: '2024-02-29T23:59:59.999Z',
    unrealizedPnl: null,
    collateral: null,
    unpriced: [],
    stale: null,
    haircuts: [],
  };

  it('decodes decimals and times, and encodes them back exactly', () => {
    const d = decodeData('AccountEquityUpdated', equity);
    expect(d).toEqual(
      E.right({ ...equity, equity: new Decimal('-12.5'), asOf: Date.parse('2024-02-29T23:59:59.999Z') }),
    );
    expect(E.chain((v: never) => encodeData('AccountEquityUpdated', v))(d as never)).toEqual(E.right(equity));
  });

  it('refuses a time that matches the pattern but is no date, rather than rolling it over', () => {
    for (const asOf of ['2023-02-29T00:00:00.000Z', '2024-04-31T00:00:00.000Z', '2024-01-01T24:00:00.000Z'])
      expect(decodeData('AccountEquityUpdated', { ...equity, asOf })).toEqual(
        E.left(expect.objectContaining({ path: '/data/asOf', value: asOf })),
      );
  });

  it('names the field an encoded value breaks, with what was written', () => {
    const r = encodeData('OrderFilled', {
      ...fill,
      qty: new Decimal('-1'),
      price: new Decimal('42000.5'),
      fee: new Decimal('0.084'),
    });
    expect(r).toEqual(
      E.left(expect.objectContaining({ _tag: 'ValidationError', path: '/data/qty', value: '-1' })),
    );
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

describe('the domain codec (decodeData / encodeData / decodeEvent / encodeEvent)', () => {
  it('decodes decimals to Decimal and times to epoch ms, and encodes them back exactly', () => {
    const d = decodeData('OrderFilled', fill);
    if (E.isLeft(d)) throw new Error(describeError(d.left));
    expect(d.right.qty).toBeInstanceOf(Decimal);
    expect(d.right.qty.toFixed()).toBe('0.01');
    expect(encodeData('OrderFilled', d.right)).toEqual(E.right({ ...fill, qty: '0.01' }));
    const e = decodeEvent({ type: 'OrderFilled', data: fill, occurredAt: meta.occurredAt });
    expect(E.isRight(e) && e.right.occurredAt).toBe(Date.parse(meta.occurredAt));
    expect(E.chain(encodeEvent)(e)).toEqual(
      E.right({ type: 'OrderFilled', data: { ...fill, qty: '0.01' }, occurredAt: meta.occurredAt }),
    );
  });

  it('writes a negative zero as 0 and never an exponent', () => {
    const tiny = { ...fill, fee: '-0', qty: '0.00000001' };
    const d = decodeData('OrderFilled', tiny);
    if (E.isLeft(d)) throw new Error(describeError(d.left));
    expect(encodeData('OrderFilled', d.right)).toEqual(E.right({ ...tiny, fee: '0' }));
  });

  it('names the field of a time that matches the pattern but is no date, and of a bad occurredAt', () => {
    const rolled = {
      root: 'GC',
      fromContract: 'GCZ5',
      toContract: 'GCG6',
      rollStart: '2025-13-45T00:00:00.000Z',
      forcedRollBy: '2025-11-25T00:00:00.000Z',
    };
    const bad = decodeData('RollScheduled', rolled);
    expect(E.isLeft(bad) && bad.left).toMatchObject({ path: '/data/rollStart' });
    expect(
      E.isLeft(decodeEvent({ type: 'OrderFilled', data: fill, occurredAt: 'yesterday' })) &&
        decodeEvent({ type: 'OrderFilled', data: fill, occurredAt: 'yesterday' }),
    ).toMatchObject({ left: { path: '/occurredAt' } });
  });

  it('refuses to encode a value the schema does not allow, naming the field', () => {
    const d = decodeData('OrderFilled', fill);
    if (E.isLeft(d)) throw new Error(describeError(d.left));
    const r = encodeData('OrderFilled', { ...d.right, qty: new Decimal(-1) });
    expect(E.isLeft(r) && r.left.path).toMatch(/^\/data/);
  });
});

describe('renamed types', () => {
  it('reads a type stored under its former name as the new type, upcast to the current version', () => {
    expect(currentTypeOf('ChildOrderClosed', 1)).toBe('ChildOrderCancelled');
    expect(currentTypeOf('ChildOrderClosed', 2)).toBeUndefined();
    expect(currentTypeOf('NoSuchEvent', 1)).toBeUndefined();
    const stored: StoredEventFields = {
      eventId: deriveId('closed'),
      type: 'ChildOrderClosed',
      schemaVersion: 1,
      data: {
        accountId: 'acc-1',
        instrument: 'BTCUSDT',
        parentOrderId: 'p1',
        clientOrderId: 'abc123',
        at: '2024-01-01T00:00:00.000Z',
      },
      ...meta,
      stream: 'execution-acc-1.BTCUSDT',
      streamRevision: 3,
      globalPosition: 9,
      recordedAt: meta.occurredAt,
    };
    const d = decodeStored(stored);
    expect(E.isRight(d) && [d.right.type, d.right.schemaVersion, d.right.data]).toEqual([
      'ChildOrderCancelled',
      2,
      { accountId: 'acc-1', instrument: 'BTCUSDT', parentOrderId: 'p1', clientOrderId: 'abc123' },
    ]);
  });
});
