import * as E from 'fp-ts/Either';
import { toFundingPayment, toFundingPayments, type CcxtFundingEntry } from './ccxt.funding';

const binance = (info: Record<string, unknown>, over: Partial<CcxtFundingEntry> = {}): CcxtFundingEntry => ({
  info: {
    symbol: 'BTCUSDT',
    incomeType: 'FUNDING_FEE',
    income: '-0.05184320',
    asset: 'USDT',
    info: 'FUNDING_FEE',
    time: 1707955200000,
    tranId: 9689322392,
    tradeId: '',
    ...info,
  },
  symbol: 'BTC/USDT:USDT',
  code: 'USDT',
  timestamp: 1707955200000,
  id: '9689322392',
  amount: -0.0518432,
  ...over,
});

const ok = (e: E.Either<unknown, unknown>) => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right as {
    symbol: string;
    fundingId: string;
    amount: { toFixed(): string };
    asset: string;
    venueAt: number;
  };
};

describe('toFundingPayment', () => {
  it('reads Binance income exactly from the raw payload (not ccxt’s number)', () => {
    const p = ok(
      toFundingPayment(
        'binanceusdm',
        binance({ income: '-98765432.12345678' }, { amount: -98765432.12345678 }),
        0,
      ),
    );
    expect([p.symbol, p.fundingId, p.amount.toFixed(), p.asset, p.venueAt]).toEqual([
      'BTC/USDT:USDT',
      '9689322392',
      '-98765432.12345678',
      'USDT',
      1707955200000,
    ]);
  });

  it('accepts ids and times as strings too (ccxt’s own examples have them so)', () => {
    const p = ok(
      toFundingPayment('binanceusdm', binance({ tranId: '4480321991774044580', time: '1621584000000' }), 0),
    );
    expect([p.fundingId, p.venueAt]).toEqual(['4480321991774044580', 1621584000000]);
  });

  it('names a Binance payment by symbol@time when its numeric tranId has lost digits in JSON.parse', () => {
    const p = ok(toFundingPayment('binanceusdm', binance({ tranId: 2 ** 60 }), 0));
    expect(p.fundingId).toBe('BTCUSDT@1707955200000');
  });

  it('writes a zero amount as 0, never -0', () => {
    expect(ok(toFundingPayment('binanceusdm', binance({ income: '-0.00000000' }), 0)).amount.toFixed()).toBe(
      '0',
    );
  });

  it.each([
    ['a number (already lossy)', -0.0518432, '-0.0518432'],
    ['an exponent', '5e-2', '"5e-2"'],
    ['empty', '', '""'],
    ['text', 'abc', '"abc"'],
    ['NaN', 'NaN', '"NaN"'],
    ['missing', undefined, 'undefined'],
  ])('refuses an amount that is %s, naming the field and the value', (_, income, shown) => {
    const r = toFundingPayment('binanceusdm', binance({ income }), 3);
    expect(r).toEqual(
      E.left({
        _tag: 'VenueMalformed',
        venue: 'binanceusdm',
        op: 'fetchFunding',
        path: 'funding[3].income',
        value: shown,
        message: `funding[3].income = ${shown}: not a decimal string`,
      }),
    );
  });

  it.each([
    ['tranId', { tranId: undefined }, 'funding[0].tranId'],
    ['tranId', { tranId: 'a b' }, 'funding[0].tranId'],
    ['asset', { asset: '' }, 'funding[0].asset'],
    ['time', { time: 'yesterday' }, 'funding[0].time'],
    ['time', { time: -5 }, 'funding[0].time'],
  ])('refuses a bad %s', (_, info, path) => {
    const r = toFundingPayment('binanceusdm', binance(info), 0);
    expect(E.isLeft(r) && r.left._tag === 'VenueMalformed' && r.left.path).toBe(path);
  });

  it('refuses an entry whose market ccxt could not name', () => {
    const r = toFundingPayment('binanceusdm', binance({}, { symbol: undefined as unknown as string }), 0);
    expect(E.isLeft(r) && r.left._tag === 'VenueMalformed' && r.left.path).toBe('funding[0].symbol');
  });

  it('OKX: balChg, or posBalChg when the balance did not move (as ccxt reads it)', () => {
    const okx = (info: Record<string, unknown>): CcxtFundingEntry => ({
      info: {
        billId: '691829442617303039',
        ccy: 'USDT',
        ts: '1707955200000',
        balChg: '-0.0518432000000000',
        posBalChg: '0',
        ...info,
      },
      symbol: 'BTC/USDT:USDT',
      code: 'USDT',
    });
    expect(ok(toFundingPayment('okx', okx({}), 0)).amount.toFixed()).toBe('-0.0518432');
    expect(
      ok(toFundingPayment('okx', okx({ balChg: '0', posBalChg: '-0.0100000000000000' }), 0)).amount.toFixed(),
    ).toBe('-0.01');
    const bad = toFundingPayment('okx', okx({ balChg: 'x' }), 1);
    expect(E.isLeft(bad) && bad.left._tag === 'VenueMalformed' && [bad.left.path, bad.left.value]).toEqual([
      'funding[1].balChg',
      '"x"',
    ]);
  });

  it('Hyperliquid: delta.usdc; a funding entry’s all-zero hash gives way to <coin>-<time>', () => {
    const hl = (hash: string): CcxtFundingEntry => ({
      info: {
        time: 1734026400057,
        hash,
        delta: {
          type: 'funding',
          coin: 'SOL',
          usdc: '75.635093',
          szi: '-7375.9',
          fundingRate: '0.00004381',
          nSamples: null,
        },
      },
      symbol: 'SOL/USDC:USDC',
      code: 'USDC',
    });
    const p = ok(
      toFundingPayment(
        'hyperliquid',
        hl('0x0000000000000000000000000000000000000000000000000000000000000000'),
        0,
      ),
    );
    expect([p.fundingId, p.amount.toFixed(), p.asset, p.venueAt]).toEqual([
      'SOL-1734026400057',
      '75.635093',
      'USDC',
      1734026400057,
    ]);
    expect(ok(toFundingPayment('hyperliquid', hl('0xabc1'), 0)).fundingId).toBe('0xabc1');
  });
});

describe('toFundingPayments', () => {
  it('orders oldest first, then by symbol and id', () => {
    const r = toFundingPayments('binanceusdm', [
      binance({ time: 1707984000000, tranId: 3 }),
      binance({ symbol: 'ETHUSDT', tranId: 2 }, { symbol: 'ETH/USDT:USDT' }),
      binance({ tranId: 1 }),
    ]);
    expect(E.isRight(r) && r.right.map((p) => p.fundingId)).toEqual(['1', '2', '3']);
  });

  it('refuses the whole answer when one entry is unreadable (nothing is half-recorded)', () => {
    const r = toFundingPayments('binanceusdm', [binance({}), binance({ income: '1,5' })]);
    expect(E.isLeft(r) && r.left._tag === 'VenueMalformed' && r.left.message).toBe(
      'funding[1].income = "1,5": not a decimal string',
    );
  });
});
