/**
 * Golden figures of the Binance USD-M model on ccxt's captured bodies (test-data/binanceusdm), each
 * derived by hand from the body; variants built from them are named as such.
 */
import Decimal from 'decimal.js';
import v2Single from '../../../test-data/binanceusdm/fapi-v2-account-single-asset.json';
import v3Multi from '../../../test-data/binanceusdm/fapi-v3-account-multi-assets.json';
import risk from '../../../test-data/binanceusdm/fapi-v2-position-risk.json';
import { binanceUsdmAccount } from './binanceusdm.account';
import { copy, instrument, left, plain, right } from './model.fixtures';

const ctx = { instruments: [instrument('binanceusdm', 'BTCUSDT', 'BTC/USDT:USDT', 'USDT')] };

describe('binanceusdm account model', () => {
  describe('single-asset mode, /fapi/v2/account, no positions (captured "Linear swap balance")', () => {
    it('reads USDT wallet, equity and available balance as reported', () => {
      const f = right(binanceUsdmAccount({ account: v2Single.httpResponse }, ctx));
      // walletBalance 31.022612 = maxWithdrawAmount → free 31.022612, locked 0; every total is USDT.
      expect(plain(f)).toEqual({
        model: 'binanceusdm',
        currency: 'USDT',
        venueAt: null,
        balances: [{ asset: 'USDT', total: '31.022612', free: '31.022612', locked: '0' }],
        positions: [],
        equity: '31.022612',
        unrealizedPnl: '0',
        initialMargin: '0',
        maintenanceMargin: '0',
        marginRatio: null,
        collateralValue: '31.022612',
        freeCollateral: '31.022612',
        cash: '31.022612',
        buyingPower: '31.022612',
      });
      // ccxt agrees here (one asset, nothing open): free 31.022612, total 31.022612.
      expect(v2Single.parsedResponse.USDT).toEqual({ free: 31.022612, used: 0, total: 31.022612 });
    });
  });

  describe('Multi-Assets mode, /fapi/v3/account (captured "account endpoint") + /fapi/v2/positionRisk', () => {
    // The v3 body does not say its mode; totalWalletBalance 25.7261006 ≠ the USDT wallet 3.72964781,
    // so the totals span USDT and USDC: Multi-Assets. The positionRisk body is a second capture of the
    // same BTCUSDT 0.009 position (same updateTime 1722161166529), a variant pairing of two cases.
    const payloads = {
      account: v3Multi.httpResponse,
      multiAssetsMargin: { multiAssetsMargin: true },
      positionRisk: risk.httpResponse,
    };

    it('takes the USD totals, and per-asset free from maxWithdrawAmount, not availableBalance', () => {
      const f = right(binanceUsdmAccount(payloads, ctx));
      expect(plain(f)).toEqual({
        model: 'binanceusdm',
        currency: 'USD',
        venueAt: null,
        // USDT: wallet 3.72964781, maxWithdraw 3.72964781 → free all of it.
        // USDC: wallet 22, maxWithdraw 18.65830123 → free 18.65830123, locked 22 − 18.65830123 = 3.34169877.
        // FDUSD, BTC, BNB, ETH: wallet 0, left out (their availableBalance is the account's, restated).
        balances: [
          { asset: 'USDT', total: '3.72964781', free: '3.72964781', locked: '0' },
          { asset: 'USDC', total: '22', free: '18.65830123', locked: '3.34169877' },
        ],
        positions: [
          {
            instrument: 'BTC/USDT:USDT',
            venueSymbol: 'BTCUSDT',
            qty: '0.009',
            entryPrice: '67445.9', // v3 has none: positionRisk's
            markPrice: '67502.68519858', // positionRisk's
            unrealizedPnl: '0.54238506', // the account body's unrealizedProfit
            settle: 'USDT',
            marginMode: 'cross',
            initialMargin: '7.59444356', // v3 initialMargin (no positionInitialMargin in v3)
            maintenanceMargin: '2.43022194',
            liquidationPrice: '64846.9875379',
          },
        ],
        equity: '26.26840422', // totalMarginBalance = 25.7261006 + 0.54230362
        unrealizedPnl: '0.54230362',
        initialMargin: '7.59482199', // totalInitialMargin (USD)
        maintenanceMargin: '2.43034303',
        marginRatio: new Decimal('2.43034303').div('26.26840422').toFixed(), // ≈ 0.0925196
        collateralValue: '26.26840422',
        freeCollateral: '18.65949928', // availableBalance, account-level
        cash: '25.7261006', // totalWalletBalance (USD)
        buyingPower: '18.65949928',
      });
    });

    it('differs from ccxt, which margins the position on the USDT row alone and drops the 22 USDC', () => {
      const f = right(binanceUsdmAccount(payloads, ctx));
      const ccxt = v3Multi.parsedResponse[0]!;
      // ccxt: collateral = USDT marginBalance 4.27203287; marginRatio 2.43022194 / 4.27203287 ≈ 0.5689.
      expect(ccxt.collateral).toBe(4.27203287);
      expect(ccxt.marginRatio).toBe(0.5689);
      // Keel: collateral = totalMarginBalance 26.26840422 (USDT and USDC); ratio ≈ 0.0925, six times lower.
      expect(f.collateralValue.toFixed()).toBe('26.26840422');
      expect(f.marginRatio?.toDecimalPlaces(4).toFixed()).toBe('0.0925');
      // The same trap on free margin (nautilus_trader PR #3997): the USDT row says availableBalance
      // 18.65856952 against a 3.72964781 wallet; Keel's USDT free is 3.72964781.
      expect(f.balances.find((b) => b.asset === 'USDT')?.free.toFixed()).toBe('3.72964781');
    });

    it('refuses a v3 body without the mode payload, since its totals mean different things', () => {
      const e = left(binanceUsdmAccount({ account: v3Multi.httpResponse }, ctx));
      expect(e.path).toBe('account.multiAssetsMargin');
      expect(e.value).toBe('undefined');
    });
  });

  describe('single-asset mode with an isolated position (variant of "Linear swap balance")', () => {
    // Built by hand: 10 USDT of the 31.022612 wallet sits in an isolated BTCUSDT short with −0.5 PnL.
    const account = copy(v2Single.httpResponse) as Record<string, unknown>;
    Object.assign(account, {
      totalInitialMargin: '6.70000000',
      totalMaintMargin: '2.70000000',
      totalUnrealizedProfit: '-0.50000000',
      totalMarginBalance: '30.52261200',
      availableBalance: '21.02261200',
      maxWithdrawAmount: '21.02261200',
      assets: [
        {
          ...(v2Single.httpResponse.assets[0] as object),
          unrealizedProfit: '-0.50000000',
          marginBalance: '30.52261200',
          maxWithdrawAmount: '21.02261200',
        },
      ],
      positions: [
        {
          symbol: 'BTCUSDT',
          initialMargin: '6.70000000',
          maintMargin: '2.70000000',
          unrealizedProfit: '-0.50000000',
          positionInitialMargin: '6.70000000',
          openOrderInitialMargin: '0',
          leverage: '10',
          isolated: true,
          entryPrice: '67000.0',
          maxNotional: '1000000',
          positionSide: 'BOTH',
          positionAmt: '-0.010',
          isolatedWallet: '10.00000000',
          updateTime: 1701270042059,
        },
      ],
    });

    it('counts the isolated wallet once: in the USDT wallet, as locked, and as the position margin', () => {
      const f = right(binanceUsdmAccount({ account }, ctx));
      // Wallet 31.022612 already holds the 10 isolated: free = maxWithdraw 21.022612, locked 10.
      expect(plain(f.balances)).toEqual([
        { asset: 'USDT', total: '31.022612', free: '21.022612', locked: '10' },
      ]);
      expect(f.positions[0]?.marginMode).toBe('isolated');
      expect(f.positions[0]?.qty.toFixed()).toBe('-0.01');
      // Binance's totalInitialMargin is "useless with isolated positions": IM = isolatedWallet 10, not 6.7
      // and not 6.7 + 10.
      expect(f.initialMargin.toFixed()).toBe('10');
      // Equity = wallet 31.022612 + PnL −0.5 = 30.522612 (the PnL once, isolated or not).
      expect(f.equity.toFixed()).toBe('30.522612');
      expect(f.cash.toFixed()).toBe('31.022612');
    });
  });

  describe('bad input', () => {
    const withAsset = (patch: Record<string, unknown>) => {
      const account = copy(v2Single.httpResponse) as Record<string, unknown>;
      account['assets'] = [{ ...(v2Single.httpResponse.assets[0] as object), ...patch }];
      return { account };
    };

    it('refuses a non-numeric wallet balance, naming the path and value', () => {
      const e = left(binanceUsdmAccount(withAsset({ walletBalance: 'NaN' }), ctx));
      expect(e).toEqual({
        path: 'account.assets[0].walletBalance',
        value: '"NaN"',
        message: 'account.assets[0].walletBalance: is not a decimal (got "NaN")',
      });
    });

    it('refuses a negative maxWithdrawAmount', () => {
      const e = left(binanceUsdmAccount(withAsset({ maxWithdrawAmount: '-1.5' }), ctx));
      expect(e.path).toBe('account.assets[0].maxWithdrawAmount');
      expect(e.value).toBe('"-1.5"');
    });

    it('refuses a number the venue sent as a float with an exponent', () => {
      const account = copy(v2Single.httpResponse) as Record<string, unknown>;
      account['totalMarginBalance'] = 1e21;
      const e = left(binanceUsdmAccount({ account }, ctx));
      expect(e).toMatchObject({ path: 'account.totalMarginBalance', value: '1e+21' });
    });
  });
});
