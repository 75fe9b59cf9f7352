import fc from 'fast-check';
import { createBackfill, IntervalRow } from './pnl.interval';
import { createFastBackfill, FixedPointRangeError } from './pnl.fast';
import { PnlInput } from './pnl.ledger';
import { decimalParts, divHalfEven, fmtScaled, parseScaled } from './pnl.fixed';

const T0 = Date.parse('2026-03-01T23:58:00.000Z');

interface Opts {
  readonly intervalMs: number;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly capital?: string;
}

const run = (inputs: readonly PnlInput[], o: Opts, endMs?: number) => {
  const ref: IntervalRow[] = [];
  const fast: IntervalRow[] = [];
  const r = createBackfill({ ...o, onRow: (x) => ref.push(x) });
  const f = createFastBackfill({ ...o, onRow: (x) => fast.push(x) });
  for (const i of inputs) {
    r.push(i);
    f.push(i);
  }
  r.finish(endMs);
  f.finish(endMs);
  return { ref, fast };
};

/** A decimal text with up to `dp` places, sometimes with trailing zeros, never zero (prices, quantities). */
const positive = (maxInt: number, dp: number) =>
  fc
    .tuple(
      fc.integer({ min: 0, max: maxInt }),
      fc.integer({ min: 0, max: dp }),
      fc.integer({ min: 0, max: 2 }),
    )
    .chain(([int, places, zeros]) =>
      fc.integer({ min: int === 0 ? 1 : 0, max: Math.max(1, 10 ** Math.min(places, 9) - 1) }).map((frac) => {
        if (places === 0) return String(int === 0 ? 1 : int);
        const f = String(frac).padStart(Math.min(places, 9), '0') + '0'.repeat(zeros);
        return `${int}.${f}`;
      }),
    );
const signed = (maxInt: number, dp: number) =>
  fc.tuple(fc.boolean(), positive(maxInt, dp)).map(([neg, v]) => (neg ? `-${v}` : v));

const VENUES = ['v1', 'v2'] as const;

const arbInput = (instruments: readonly string[], accounts: readonly string[]) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        type: fc.constant('quote' as const),
        venue: fc.constantFrom(...VENUES),
        // BNB/USDT and BNB/USDT:USDT convert BNB fees into USDT; nothing converts XYZ.
        instrument: fc.constantFrom(...instruments, 'BNB/USDT', 'BNB/USDT:USDT'),
        bid: positive(90_000, 6),
        spread: positive(5, 4),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant('fill' as const),
        accountId: fc.constantFrom(...accounts),
        instrument: fc.constantFrom(...instruments),
        side: fc.constantFrom('buy' as const, 'sell' as const),
        qty: positive(3, 5),
        price: positive(90_000, 4),
        fee: signed(2, 8),
        feeAsset: fc.constantFrom('USDT', 'USDT', 'BNB', 'XYZ', 'BTC'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('listing' as const),
        venue: fc.constantFrom(...VENUES),
        accountIds: fc.subarray([...accounts], { minLength: 1 }),
        instruments: fc.subarray(
          instruments.map((symbol, k) => ({ symbol, k })),
          { minLength: 0 },
        ),
        contractSizes: fc.array(fc.constantFrom('1', '0.01', '50', '0.0001', '12500', '0.1'), {
          minLength: instruments.length,
          maxLength: instruments.length,
        }),
        settle: fc.constantFrom('USDT', 'USD', 'BTC'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('funding' as const),
        accountId: fc.constantFrom(...accounts),
        instrument: fc.constantFrom(...instruments),
        amount: signed(50, 10),
        asset: fc.constantFrom('USDT', 'USDT', 'BNB', 'BTC'),
      }),
    },
  );

/** Inputs in log order: event time mostly rises (sometimes a writer's clock is behind), sometimes across minutes and hours. */
const arbLog = fc
  .array(
    fc.tuple(
      arbInput(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'X'], ['acct-1', 'acct-1-b', 'a']),
      fc.integer({ min: -2_000, max: 90_000 }),
    ),
    { minLength: 1, maxLength: 120 },
  )
  .map((items) => {
    let t = T0;
    return items.map(([i, step], n): PnlInput => {
      t += step;
      const ts = new Date(t).toISOString();
      if (i.type === 'quote') {
        // ask = bid + spread, exactly (as text)
        const ask = parseScaled(i.bid, 18)! + parseScaled(i.spread, 18)!;
        return {
          type: 'quote',
          position: n + 1,
          ts,
          venue: i.venue,
          instrument: i.instrument,
          bid: i.bid,
          ask: fmtScaled(ask, 18),
        };
      }
      if (i.type === 'listing')
        return {
          type: 'listing',
          position: n + 1,
          ts,
          venue: i.venue,
          accountIds: i.accountIds,
          instruments: i.instruments.map(({ symbol, k }) => ({
            symbol,
            contractSize: i.contractSizes[k]!,
            settle: i.settle,
          })),
        };
      if (i.type === 'fill')
        return {
          type: 'fill',
          position: n + 1,
          ts,
          accountId: i.accountId,
          instrument: i.instrument,
          side: i.side,
          qty: i.qty,
          price: i.price,
          fee: i.fee,
          feeAsset: i.feeAsset,
        };
      return {
        type: 'funding',
        position: n + 1,
        ts,
        accountId: i.accountId,
        instrument: i.instrument,
        amount: i.amount,
        asset: i.asset,
      };
    });
  });

describe('fixed-point PnL backfill = the decimal.js reference, row for row', () => {
  it('on random logs, intervals, windows and capital (property)', () => {
    fc.assert(
      fc.property(
        arbLog,
        fc.constantFrom(60_000, 3_600_000, 86_400_000),
        fc.option(fc.integer({ min: -120_000, max: 600_000 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 3_000_000 }), { nil: undefined }),
        fc.option(signed(1_000_000, 3), { nil: undefined }),
        (inputs, intervalMs, from, span, capital) => {
          const fromMs = from === undefined ? undefined : T0 + from;
          const toMs = span === undefined ? undefined : (fromMs ?? T0) + span;
          const o: Opts = {
            intervalMs,
            ...(fromMs !== undefined ? { fromMs } : {}),
            ...(toMs !== undefined ? { toMs } : {}),
            ...(capital !== undefined ? { capital } : {}),
          };
          const { ref, fast } = run(inputs, o, toMs);
          expect(fast).toEqual(ref);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes quotes whose mantissas do not fit a double, and prices at 18 places', () => {
    const I = 'BTC/USDT:USDT';
    const log: PnlInput[] = [
      {
        type: 'quote',
        venue: 'v',
        position: 1,
        ts: '2026-03-01T00:00:00.000Z',
        instrument: I,
        bid: '123456789012345678.5',
        ask: '123456789012345679',
      },
      {
        type: 'fill',
        position: 2,
        ts: '2026-03-01T00:00:10.000Z',
        accountId: 'a',
        instrument: I,
        side: 'buy',
        qty: '0.000000000000000001',
        price: '0.123456789012345678',
        fee: '0.000000000000000001',
        feeAsset: 'USDT',
      },
      {
        type: 'quote',
        venue: 'v',
        position: 3,
        ts: '2026-03-01T00:00:20.000Z',
        instrument: I,
        bid: '0.100000000000000001',
        ask: '0.100000000000000003',
      },
      {
        type: 'quote',
        venue: 'v',
        position: 4,
        ts: '2026-03-01T00:00:30.000Z',
        instrument: I,
        bid: '9007199254740991',
        ask: '9007199254740993',
      },
      {
        type: 'fill',
        position: 5,
        ts: '2026-03-01T00:00:40.000Z',
        accountId: 'a',
        instrument: I,
        side: 'sell',
        qty: '3.5',
        price: '99999999999.999999999',
        fee: '-1.25',
        feeAsset: 'USDT',
      },
      {
        type: 'quote',
        venue: 'v',
        position: 6,
        ts: '2026-03-01T00:01:30.000Z',
        instrument: I,
        bid: '2.50',
        ask: '2.5000',
      },
    ];
    const { ref, fast } = run(log, { intervalMs: 60_000 });
    expect(ref.length).toBe(4);
    expect(fast).toEqual(ref);
  });

  it('quotes held for days at high prices (sums past 2^53 move to BigInt) stay exact', () => {
    const I = 'BTC/USDT:USDT';
    const log: PnlInput[] = [
      {
        type: 'fill',
        position: 1,
        ts: '2026-03-01T00:00:00.000Z',
        accountId: 'a',
        instrument: I,
        side: 'buy',
        qty: '1.5',
        price: '99000.5',
        fee: '0',
        feeAsset: 'USDT',
      },
      {
        type: 'quote',
        venue: 'v',
        position: 2,
        ts: '2026-03-01T00:00:00.001Z',
        instrument: I,
        bid: '99999.9999',
        ask: '100000.0001',
      },
      {
        type: 'quote',
        venue: 'v',
        position: 3,
        ts: '2026-03-20T00:00:00.000Z',
        instrument: I,
        bid: '101000',
        ask: '101000.5',
      },
      {
        type: 'fill',
        position: 4,
        ts: '2026-03-25T00:00:00.000Z',
        accountId: 'a',
        instrument: I,
        side: 'sell',
        qty: '1.5',
        price: '101000.25',
        fee: '0.5',
        feeAsset: 'USDT',
      },
    ];
    const { ref, fast } = run(log, { intervalMs: 86_400_000, capital: '1000000.5' });
    expect(ref.length).toBe(50);
    expect(fast).toEqual(ref);
  });

  it('refuses a decimal with more than 18 places, naming the event and the field', () => {
    const f = createFastBackfill({ intervalMs: 60_000, onRow: () => undefined });
    expect(() =>
      f.push({
        type: 'fill',
        position: 7,
        ts: '2026-03-01T00:00:00.000Z',
        accountId: 'a',
        instrument: 'X',
        side: 'buy',
        qty: '1',
        price: '1.0000000000000000001',
        fee: '0',
        feeAsset: 'USDT',
      }),
    ).toThrow(FixedPointRangeError);
    expect(() =>
      f.push({
        type: 'quote',
        venue: 'v',
        position: 8,
        ts: '2026-03-01T00:00:00.000Z',
        instrument: 'X',
        bid: '1',
        ask: '1.0000000000000000001',
      }),
    ).toThrow(/position 8: askPrice "1.0000000000000000001"/);
  });

  it('stops at an event without a time, as the reference does, also after others', () => {
    const bad: PnlInput = {
      type: 'quote',
      venue: 'v',
      position: 9,
      ts: '2026-13-01T00:00:00.000Z',
      instrument: 'X',
      bid: '1',
      ask: '2',
    };
    const good: PnlInput = {
      type: 'quote',
      venue: 'v',
      position: 8,
      ts: '2026-03-01T00:00:00.000Z',
      instrument: 'X',
      bid: '1',
      ask: '2',
    };
    const f = createFastBackfill({ intervalMs: 60_000, onRow: () => undefined });
    const r = createBackfill({ intervalMs: 60_000, onRow: () => undefined });
    f.push(good);
    r.push(good);
    expect(() => r.push(bad)).toThrow(/event at position 9 has no event time/);
    expect(() => f.push(bad)).toThrow(/event at position 9 has no event time/);
  });
});

describe('fixed-point helpers', () => {
  it('parse and print canonical decimals', () => {
    expect(parseScaled('-12.50', 3)).toBe(-12500n);
    expect(parseScaled('1.2340000', 3)).toBe(1234n);
    expect(parseScaled('1.2345', 3)).toBeNull();
    expect(parseScaled('1e5', 3)).toBeNull();
    expect(fmtScaled(-12500n, 3)).toBe('-12.5');
    expect(fmtScaled(5n, 3)).toBe('0.005');
    expect(fmtScaled(-5000n, 3)).toBe('-5');
    expect(fmtScaled(0n, 3)).toBe('0');
  });

  it('divide half-even', () => {
    expect([
      divHalfEven(5n, 2n),
      divHalfEven(7n, 2n),
      divHalfEven(-5n, 2n),
      divHalfEven(-7n, 2n),
      divHalfEven(11n, 4n),
      divHalfEven(-11n, 4n),
    ]).toEqual([2n, 4n, -2n, -4n, 3n, -3n]);
  });

  it('split decimals into a double mantissa and a scale, or decline', () => {
    const out = { m: 0, s: 0 };
    const parts = (t: string) => (decimalParts(t, 18, out) ? [out.m, out.s] : null);
    expect(parts('87000.15')).toEqual([8700015, 2]);
    expect(parts('1.500')).toEqual([15, 1]);
    expect(parts('1.05')).toEqual([105, 2]);
    expect(parts('-0.001')).toEqual([-1, 3]);
    expect(parts('100')).toEqual([100, 0]);
    expect(parts('123456789012345')).toEqual([123456789012345, 0]);
    expect(parts('1234567890123456')).toBeNull();
    expect(parts('0.1234567890123456789')).toBeNull();
  });
});
