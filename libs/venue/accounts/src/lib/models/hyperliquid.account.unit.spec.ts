/**
 * Golden figures of the Hyperliquid model on ccxt's captured bodies (test-data/hyperliquid), and a
 * variant pairing the isolated HYPE short with the captured spot balances.
 */
import Decimal from 'decimal.js';
import noPositions from '../../../test-data/hyperliquid/clearinghouse-no-positions.json';
import crossSolEth from '../../../test-data/hyperliquid/clearinghouse-cross-sol-eth.json';
import isolatedHype from '../../../test-data/hyperliquid/clearinghouse-isolated-hype-short.json';
import spotTokens from '../../../test-data/hyperliquid/spot-tokens.json';
import spotHold from '../../../test-data/hyperliquid/spot-usdc-hold.json';
import { hyperliquidAccount } from './hyperliquid.account';
import { copy, instrument, left, plain, right } from './model.fixtures';

const ctx = {
  instruments: [
    instrument('hyperliquid', 'SOL', 'SOL/USDC:USDC', 'USDC'),
    instrument('hyperliquid', 'HYPE', 'HYPE/USDC:USDC', 'USDC'),
  ],
};

describe('hyperliquid account model', () => {
  describe('perps, no positions (captured "swap balance")', () => {
    it('frees what HL says is withdrawable, not the whole account value', () => {
      const f = right(hyperliquidAccount({ clearinghouseState: noPositions.httpResponse }, ctx));
      // wallet = accountValue 20.454862 − no PnL; free = withdrawable 19.954862; locked 0.5.
      expect(plain(f)).toEqual({
        model: 'hyperliquid',
        currency: 'USDC',
        venueAt: 1729416701061,
        balances: [{ asset: 'USDC', total: '20.454862', free: '19.954862', locked: '0.5' }],
        positions: [],
        equity: '20.454862',
        unrealizedPnl: '0',
        initialMargin: '0',
        maintenanceMargin: '0',
        marginRatio: null,
        collateralValue: '20.454862',
        freeCollateral: '19.954862',
        cash: '20.454862',
        buyingPower: '19.954862',
      });
      // ccxt: free = accountValue 20.454862, 0.5 more than HL lets the account use.
      expect(noPositions.parsedResponse.USDC.free).toBe(20.454862);
      expect(f.freeCollateral.toFixed()).not.toBe('20.454862');
    });
  });

  describe('perps, cross SOL and ETH longs (captured "fetch positions")', () => {
    it('takes PnL out of account value once, and the maintenance margin HL reports', () => {
      const f = right(hyperliquidAccount({ clearinghouseState: crossSolEth.httpResponse }, ctx));
      // PnL 89.563507 + 9734.04 = 9823.603507; wallet 19762.483455 − 9823.603507 = 9938.879948.
      // withdrawable 19047.685485 exceeds the wallet (HL lets PnL out): free = the whole wallet.
      expect(plain(f.balances)).toEqual([
        { asset: 'USDC', total: '9938.879948', free: '9938.879948', locked: '0' },
      ]);
      expect(plain(f.positions)).toEqual([
        {
          instrument: 'SOL/USDC:USDC',
          venueSymbol: 'SOL',
          qty: '3.34',
          entryPrice: '112.0945',
          markPrice: '138.91', // positionValue 463.9594 / 3.34
          unrealizedPnl: '89.563507',
          settle: 'USDC',
          marginMode: 'cross',
          initialMargin: '23.19797',
          maintenanceMargin: '4.639594', // 463.9594 / (2 × 50)
          liquidationPrice: null,
        },
        {
          instrument: null, // Keel does not list ETH here
          venueSymbol: 'ETH',
          qty: '3.6',
          entryPrice: '1100',
          markPrice: '3803.9', // 13694.04 / 3.6
          unrealizedPnl: '9734.04',
          settle: 'USDC',
          marginMode: 'cross',
          initialMargin: '684.702',
          maintenanceMargin: '136.9404', // 13694.04 / 100; with SOL's, 141.579994 = crossMaintenanceMarginUsed
          liquidationPrice: null,
        },
      ]);
      expect(f.equity.toFixed()).toBe('19762.483455');
      expect(f.unrealizedPnl.toFixed()).toBe('9823.603507');
      expect(f.initialMargin.toFixed()).toBe('707.89997'); // crossMarginSummary.totalMarginUsed
      expect(f.maintenanceMargin.toFixed()).toBe('141.579994');
      expect(f.marginRatio?.toFixed()).toBe(new Decimal('141.579994').div('19762.483455').toFixed());
      expect(f.freeCollateral.toFixed()).toBe('19047.685485');
      expect(f.cash.toFixed()).toBe('9938.879948');
    });
  });

  describe('perps, isolated HYPE short (captured "isolated short position")', () => {
    it('locks the isolated margin in the wallet and counts it once in the initial margin', () => {
      const f = right(hyperliquidAccount({ clearinghouseState: isolatedHype.httpResponse }, ctx));
      // wallet = 76.206517 − (−0.6071) = 76.813617; free = withdrawable 57.6421; locked 19.171517.
      expect(plain(f.balances)).toEqual([
        { asset: 'USDC', total: '76.813617', free: '57.6421', locked: '19.171517' },
      ]);
      const p = f.positions[0]!;
      expect(plain(p)).toMatchObject({
        qty: '-4',
        markPrice: '48.145', // 192.58 / 4
        marginMode: 'isolated',
        initialMargin: '19.171517', // marginUsed 18.564417 includes the −0.6071 PnL: 18.564417 + 0.6071
        maintenanceMargin: '9.629', // 192.58 / (2 × 10)
        liquidationPrice: '50.2724802381',
      });
      expect(f.initialMargin.toFixed()).toBe('19.171517'); // cross 0 + isolated 19.171517
      expect(f.maintenanceMargin.toFixed()).toBe('9.629'); // cross 0 + isolated 9.629
      expect(f.equity.toFixed()).toBe('76.206517');
      expect(f.freeCollateral.toFixed()).toBe('57.6421');
      // ccxt (the fetchBalance ccxt #25798 quotes): total = accountValue 76.206517 (PnL inside),
      // used = totalMarginUsed 18.564417. Keel's wallet is 76.813617 and its locked part 19.171517:
      // the margin put in, which the −0.6071 PnL does not shrink.
      expect(new Decimal('76.206517').minus(f.balances[0]!.total).toFixed()).toBe('-0.6071');
      expect(isolatedHype.parsedResponse[0]!.collateral).toBe(18.564417);
    });
  });

  describe('spot only', () => {
    it('frees total − hold (captured "spot with used")', () => {
      const f = right(hyperliquidAccount({ spotClearinghouseState: spotHold.httpResponse }, ctx));
      expect(plain(f.balances)).toEqual([{ asset: 'USDC', total: '50', free: '40', locked: '10' }]);
      expect(f.venueAt).toBeNull();
      expect(plain([f.equity, f.cash, f.freeCollateral, f.collateralValue])).toEqual([
        '50',
        '50',
        '40',
        '50',
      ]);
    });

    it('keeps other tokens as balances in their own asset, unvalued (captured "spot balance")', () => {
      const f = right(hyperliquidAccount({ spotClearinghouseState: spotTokens.httpResponse }, ctx));
      expect(f.balances.map((b) => [b.asset, b.total.toFixed()])).toEqual([
        ['USDC', '1.2908594'],
        ['HYPE', '4.43762752'],
        ['UETH', '0.003397716'],
        ['USOL', '0.07894692'],
        ['USDH', '0.00621736'],
      ]);
      expect(f.equity.toFixed()).toBe('1.2908594'); // USDC only: the aggregator prices the rest
    });
  });

  describe('isolated HYPE short with spot balances (variant: two captures paired)', () => {
    it('sums the perps and spot USDC into one row and adds spot USDC to the account figures', () => {
      const f = right(
        hyperliquidAccount(
          { clearinghouseState: isolatedHype.httpResponse, spotClearinghouseState: spotHold.httpResponse },
          ctx,
        ),
      );
      // USDC: perps 76.813617 (free 57.6421, locked 19.171517) + spot 50 (free 40, locked 10).
      expect(plain(f.balances)).toEqual([
        { asset: 'USDC', total: '126.813617', free: '97.6421', locked: '29.171517' },
      ]);
      expect(f.equity.toFixed()).toBe('126.206517'); // 76.206517 + 50
      expect(f.freeCollateral.toFixed()).toBe('97.6421'); // withdrawable 57.6421 + spot free 40
      expect(f.cash.toFixed()).toBe('126.813617');
      expect(f.initialMargin.toFixed()).toBe('19.171517');
    });
  });

  describe('bad input', () => {
    it('refuses a non-numeric position size with its path and value', () => {
      const c = copy(isolatedHype.httpResponse);
      c.assetPositions[0]!.position.szi = 'abc';
      expect(left(hyperliquidAccount({ clearinghouseState: c }, ctx))).toEqual({
        path: 'clearinghouseState.assetPositions[0].position.szi',
        value: '"abc"',
        message: 'clearinghouseState.assetPositions[0].position.szi: is not a decimal (got "abc")',
      });
    });

    it('refuses a negative withdrawable', () => {
      const c = copy(noPositions.httpResponse);
      c.withdrawable = '-1.0';
      expect(left(hyperliquidAccount({ clearinghouseState: c }, ctx))).toMatchObject({
        path: 'clearinghouseState.withdrawable',
        value: '"-1.0"',
      });
    });

    it('refuses a hold above the total: total ≠ free + locked', () => {
      const s = copy(spotHold.httpResponse);
      s.balances[0]!.hold = '60.0';
      expect(left(hyperliquidAccount({ spotClearinghouseState: s }, ctx))).toMatchObject({
        path: 'spotClearinghouseState.balances[0].hold',
        value: '"60.0"',
      });
    });

    it('refuses an answer with neither payload', () => {
      expect(left(hyperliquidAccount({}, ctx)).path).toBe('clearinghouseState');
    });
  });
});
