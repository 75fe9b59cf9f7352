/**
 * Golden figures of the OKX model on ccxt's captured bodies (test-data/okx): the multi-currency
 * balance (a demo account) with the LTC-USDT-SWAP position, and a single-currency variant with an
 * isolated position, built by hand and named as such.
 */
import Decimal from 'decimal.js';
import balance from '../../../test-data/okx/balance-multi-currency.json';
import positions from '../../../test-data/okx/positions-ltc-usdt-swap.json';
import { okxAccount } from './okx.account';
import { copy, instrument, left, plain, right } from './model.fixtures';

const instruments = [
  instrument('okx', 'LTC-USDT-SWAP', 'LTC/USDT:USDT', 'USDT', '0.001'),
  instrument('okx', 'BTC-USDT-SWAP', 'BTC/USDT:USDT', 'USDT', '0.01'),
  instrument('okx', 'ETH-USDT-SWAP', 'ETH/USDT:USDT', 'USDT', '0.1'),
];
const usd = { instruments, okxBook: 'usd' as const };

describe('okx account model', () => {
  describe('multi-currency margin, captured balance + LTC-USDT-SWAP position, usd book', () => {
    const payloads = { balance: balance.httpResponse, positions: positions.httpResponse };

    it('takes the account-level USD figures once and converts contracts with ctVal', () => {
      const f = right(okxAccount(payloads, usd));
      expect(plain({ ...f, balances: undefined })).toEqual({
        model: 'okx',
        currency: 'USD',
        venueAt: 1752243339082, // data[0].uTime
        balances: undefined,
        positions: [
          {
            instrument: 'LTC/USDT:USDT',
            venueSymbol: 'LTC-USDT-SWAP',
            qty: '0.001', // pos 1 contract × ctVal 0.001 LTC, posSide long → +
            entryPrice: '68.24', // avgPx
            markPrice: '68.24', // markPx
            unrealizedPnl: '0',
            settle: 'USDT',
            marginMode: 'cross',
            initialMargin: '0.0227466666666667', // imr (cross)
            maintenanceMargin: '0.00044356',
            liquidationPrice: null, // liqPx ""
          },
        ],
        equity: '43749372.50896299', // totalEq
        unrealizedPnl: '0', // account upl
        initialMargin: '101.55251216636945', // account imr (cross) + no isolated position
        maintenanceMargin: '9.073149592403611',
        // OKX mgnRatio 15986.632239614408 is equity / maintenance; Keel's is its inverse ≈ 0.0000626.
        marginRatio: new Decimal(1).div('15986.632239614408').toFixed(),
        collateralValue: '152550.80919105993', // adjEq, after OKX's discount rates
        freeCollateral: '151083.76008402856', // availEq
        cash: '2973.521258796', // usd book: USDT cashBal 0.000258796 + USDC cashBal 2973.521
        buyingPower: '151083.76008402856',
      });
    });

    it('reads each wallet from cashBal and availBal, not frozenBal', () => {
      const f = right(okxAccount(payloads, usd));
      expect(f.balances).toHaveLength(13);
      const row = (a: string) => plain(f.balances.find((b) => b.asset === a));
      // BTC: cashBal 1.06126645222, availBal 0.6612664522199999 (OKX's own digits) → locked 0.4000000000000001.
      expect(row('BTC')).toEqual({
        asset: 'BTC',
        total: '1.06126645222',
        free: '0.6612664522199999',
        locked: '0.4000000000000001',
      });
      // USDT: frozenBal 441.02 exceeds cashBal 0.000258796 (orders froze borrowable funds); availBal 0 →
      // free 0, locked 0.000258796. Taking frozenBal as locked would break total = free + locked.
      expect(row('USDT')).toEqual({ asset: 'USDT', total: '0.000258796', free: '0', locked: '0.000258796' });
      // The discount rates are OKX's: BTC disEq / eqUsd = 122590.9992421681 / 125092.85636955927 = 0.98.
      expect(new Decimal('122590.9992421681').div('125092.85636955927').toDecimalPlaces(6).toFixed()).toBe(
        '0.98',
      );
    });
  });

  describe('single-currency margin with an isolated short (variant built by hand)', () => {
    const bal = copy(balance.httpResponse);
    const acct = bal.data[0] as Record<string, unknown>;
    Object.assign(acct, {
      totalEq: '1005.2',
      adjEq: '',
      availEq: '',
      imr: '',
      mmr: '',
      mgnRatio: '',
      upl: '',
    });
    acct['details'] = [
      {
        ...(balance.httpResponse.data[0]!.details.find((d) => d.ccy === 'USDT') as object),
        cashBal: '1000',
        availBal: '950',
        frozenBal: '50',
        eq: '1005.2',
        eqUsd: '1005.2',
        upl: '5.2',
        isoEq: '55.2',
        imr: '20',
        mmr: '1.6',
        mgnRatio: '40',
        availEq: '935.2',
      },
    ];
    const pos = copy(positions.httpResponse);
    const ltc = pos.data[0] as Record<string, unknown>;
    pos.data = [
      {
        ...ltc,
        instId: 'BTC-USDT-SWAP',
        posSide: 'net',
        pos: '3',
        avgPx: '60000',
        markPx: '60000',
        imr: '20',
        mmr: '1.6',
        upl: '0',
      },
      {
        ...ltc,
        instId: 'ETH-USDT-SWAP',
        posSide: 'short',
        pos: '5',
        mgnMode: 'isolated',
        margin: '50',
        imr: '',
        mmr: '0.4',
        upl: '5.2',
        mgnRatio: '137.5',
        avgPx: '3000',
        markPx: '2989.6',
        liqPx: '3100',
      },
    ] as typeof pos.data;
    const payloads = { balance: bal, positions: pos };

    it('adds isolated margins to the cross requirement once, and keeps cash free of PnL', () => {
      const f = right(okxAccount(payloads, usd));
      // qty: net 3 × 0.01 = 0.03 BTC; short 5 × 0.1 = −0.5 ETH.
      expect(f.positions.map((p) => [p.qty.toFixed(), p.marginMode, p.initialMargin?.toFixed()])).toEqual([
        ['0.03', 'cross', '20'],
        ['-0.5', 'isolated', '50'],
      ]);
      expect(plain(f.balances)).toEqual([{ asset: 'USDT', total: '1000', free: '950', locked: '50' }]);
      expect(f.equity.toFixed()).toBe('1005.2'); // totalEq
      expect(f.unrealizedPnl.toFixed()).toBe('5.2'); // Σ details upl × eqUsd/eq = 5.2 × 1
      expect(f.initialMargin.toFixed()).toBe('70'); // details imr 20 (cross) + isolated margin 50
      expect(f.maintenanceMargin.toFixed()).toBe('2'); // details mmr 1.6 + isolated mmr 0.4
      expect(f.marginRatio?.toFixed()).toBe('0.025'); // worst of 1/40 (USDT cross) and 1/137.5
      expect(f.collateralValue.toFixed()).toBe('1005.2'); // no adjEq: no haircuts in this mode
      expect(f.freeCollateral.toFixed()).toBe('935.2'); // Σ details availEq
      expect(f.cash.toFixed()).toBe('1000');
    });

    it('differs from ccxt, whose total is eq (cash + PnL): adding the positions’ PnL to it counts 5.2 twice', () => {
      const f = right(okxAccount(payloads, usd));
      const ccxtTotal = new Decimal('1005.2'); // ccxt's USDT total = details.eq (ccxt #27225)
      const keelWallet = f.balances[0]!.total;
      expect(ccxtTotal.minus(keelWallet).toFixed()).toBe('5.2');
      // Equity from ccxt's total + position PnL: 1010.4; OKX's totalEq and Keel's equity: 1005.2.
      expect(ccxtTotal.plus(f.unrealizedPnl).toFixed()).toBe('1010.4');
      expect(keelWallet.plus(f.unrealizedPnl).toFixed()).toBe(f.equity.toFixed());
    });
  });

  describe('bad input', () => {
    const withUsdt = (patch: Record<string, unknown>) => {
      const bal = copy(balance.httpResponse);
      const details = bal.data[0]!.details as Record<string, unknown>[];
      const i = details.findIndex((d) => d['ccy'] === 'USDT');
      details[i] = { ...details[i], ...patch };
      return { payloads: { balance: bal }, i };
    };

    it('refuses a non-numeric cashBal with its path and value', () => {
      const { payloads, i } = withUsdt({ cashBal: '1,000' });
      expect(left(okxAccount(payloads, usd))).toEqual({
        path: `balance.data[0].details[${i}].cashBal`,
        value: '"1,000"',
        message: `balance.data[0].details[${i}].cashBal: is not a decimal (got "1,000")`,
      });
    });

    it('refuses a negative availBal', () => {
      const { payloads, i } = withUsdt({ availBal: '-0.1' });
      expect(left(okxAccount(payloads, usd))).toMatchObject({
        path: `balance.data[0].details[${i}].availBal`,
        value: '"-0.1"',
      });
    });

    it('refuses availBal above cashBal: total ≠ free + locked', () => {
      const { payloads, i } = withUsdt({ availBal: '0.5' });
      const e = left(okxAccount(payloads, usd));
      expect(e).toMatchObject({ path: `balance.data[0].details[${i}].availBal`, value: '"0.5"' });
      expect(e.message).toContain('total ≠ free + locked');
    });

    it('refuses a borrowed (negative) cash balance', () => {
      const { payloads, i } = withUsdt({ cashBal: '-12' });
      expect(left(okxAccount(payloads, usd)).path).toBe(`balance.data[0].details[${i}].cashBal`);
    });

    it('refuses an OKX error answer, an unlisted instrument, and a position outside the book', () => {
      const err = { code: '50011', data: [], msg: 'Rate limit reached' };
      expect(left(okxAccount({ balance: err }, usd))).toMatchObject({
        path: 'balance.code',
        value: '"50011"',
      });
      const payloads = { balance: balance.httpResponse, positions: positions.httpResponse };
      expect(left(okxAccount(payloads, { instruments: [], okxBook: 'usd' }))).toMatchObject({
        path: 'positions.data[0].instId',
        value: '"LTC-USDT-SWAP"',
      });
      expect(left(okxAccount(payloads, { instruments, okxBook: 'coin' }))).toMatchObject({
        path: 'positions.data[0].ccy',
        value: '"USDT"',
      });
      expect(left(okxAccount(payloads, { instruments })).path).toBe('ctx.okxBook');
      // No positions body is not "no positions".
      expect(left(okxAccount({ balance: balance.httpResponse }, usd))).toMatchObject({
        path: 'positions',
        value: 'undefined',
      });
    });
  });
});
