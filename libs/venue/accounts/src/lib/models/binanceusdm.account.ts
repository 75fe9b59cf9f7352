/**
 * Binance USDⓈ-M futures (classic account, not Portfolio Margin). Payloads:
 * - `account` (required): the body of GET /fapi/v2/account or GET /fapi/v3/account
 *   (developers.binance.com › derivatives › usds-margined-futures › account › Account-Information-V2/V3).
 *   v3 positions carry no entryPrice/leverage/isolated flag and the body has no `multiAssetsMargin`.
 * - `multiAssetsMargin` (optional): the body of GET /fapi/v1/multiAssetsMargin, `{ multiAssetsMargin }`.
 *   Needed with a v3 body, which does not say the mode; a v2 body's own flag wins when both are given.
 * - `positionRisk` (optional): the body of GET /fapi/v2/positionRisk, for markPrice, entryPrice (v3),
 *   liquidationPrice, marginAsset and marginType.
 *
 * Figures, and the field each comes from:
 * - balances: one per asset with a non-zero `assets[].walletBalance` (wallet, unrealized PnL excluded;
 *   isolated wallets are inside it, so they are counted once). free = min(walletBalance,
 *   maxWithdrawAmount), locked = the rest. Not `assets[].availableBalance`: in Multi-Assets mode that is
 *   the account's aggregate available margin restated in the asset (the v3 capture: USDT wallet 3.73,
 *   availableBalance 18.66), the trap nautilus_trader PR #3997 fell into (a multi-asset free margin off
 *   27×). Per-asset free is therefore "what of this asset could leave alone", not additive.
 * - positions: `positions[]` with positionAmt ≠ 0 (v2 lists every symbol). qty = positionAmt (base units;
 *   hedge mode SHORT rows are already negative); unrealizedPnl = unrealizedProfit; isolated when
 *   `isolated` (v2), positionRisk.marginType, or isolatedWallet > 0 (v3); initialMargin = isolatedWallet
 *   for isolated (the margin put in, PnL excluded, so isolatedMargin = wallet + PnL is not added again),
 *   else positionInitialMargin (v2) or initialMargin (v3); maintenanceMargin = maintMargin;
 *   markPrice/liquidationPrice/entryPrice(v3) from positionRisk when given, else null (not re-derived).
 * - currency: USDT in single-asset mode (Binance: the account totals are "only for USDT asset"); USD in
 *   Multi-Assets mode (totals are the USD value of all margin assets after Binance's collateral ratios,
 *   e.g. 95% for BTC/ETH: binance.com/en/support/faq/29b45c485d664028b9ca1cdf90b24f6f).
 * - equity = totalMarginBalance (wallet + unrealized PnL, once); unrealizedPnl = totalUnrealizedProfit;
 *   maintenanceMargin = totalMaintMargin; marginRatio = totalMaintMargin / totalMarginBalance.
 * - initialMargin = totalInitialMargin, except in single-asset mode with an isolated position, where
 *   Binance documents the total as "useless with isolated positions": then Σ cross positions'
 *   initialMargin + Σ isolated isolatedWallet, over USDT-settled positions.
 * - collateralValue = totalMarginBalance: Binance's margin balance is already after its haircuts
 *   (Multi-Assets) or is USDT at 1 (single-asset).
 * - freeCollateral = availableBalance (account-level; never one asset's wallet).
 * - cash = the USDT walletBalance (single-asset); totalWalletBalance (Multi-Assets: USD, PnL excluded).
 * - buyingPower = freeCollateral: Binance has leverage per symbol, not per account.
 * - venueAt: null; the body's `updateTime` is documented as reserved and the rows' times are last-change
 *   times, not the time of the state.
 *
 * Portfolio Margin (papi, GET /papi/v1/balance) is out of scope: its rows mix spot-margin, UM and CM
 * wallets, and reading only the UM part is what drops the cross-margin assets (ccxt #21808).
 */
import Decimal from 'decimal.js';
import { AccountFigures, AccountModelFn } from '../account.model';
import { arr, dec, fail, nonNeg, obj, optDec, optPrice, runModel, str, walletBalance } from '../payload.read';

type Row = Readonly<Record<string, unknown>>;

const SETTLE_SUFFIXES = ['USDT', 'USDC', 'FDUSD', 'BUSD'] as const;

const modeOf = (a: Row, payloads: Readonly<Record<string, unknown>>): boolean => {
  const own = a['multiAssetsMargin'];
  if (typeof own === 'boolean') return own;
  if (own !== undefined) return fail('account.multiAssetsMargin', own, 'is not a boolean');
  const m = payloads['multiAssetsMargin'];
  if (m === undefined)
    return fail(
      'account.multiAssetsMargin',
      own,
      'is missing (a v3 body): send the multiAssetsMargin payload (GET /fapi/v1/multiAssetsMargin)',
    );
  const flag = obj(m, 'multiAssetsMargin')['multiAssetsMargin'];
  return typeof flag === 'boolean'
    ? flag
    : fail('multiAssetsMargin.multiAssetsMargin', flag, 'is not a boolean');
};

const riskRows = (v: unknown): Map<string, { row: Row; path: string }> => {
  const out = new Map<string, { row: Row; path: string }>();
  if (v === undefined) return out;
  arr(v, 'positionRisk').forEach((x, i) => {
    const path = `positionRisk[${i}]`;
    const row = obj(x, path);
    const side =
      row['positionSide'] === undefined ? 'BOTH' : str(row['positionSide'], `${path}.positionSide`);
    out.set(`${str(row['symbol'], `${path}.symbol`)}|${side}`, { row, path });
  });
  return out;
};

export const binanceUsdmAccount: AccountModelFn = (payloads, ctx) =>
  runModel((): AccountFigures => {
    const a = obj(payloads['account'], 'account');
    const multi = modeOf(a, payloads);
    const risk = riskRows(payloads['positionRisk']);
    const bySymbol = new Map(ctx.instruments.map((i) => [i.venueSymbol, i]));

    const assetRows = arr(a['assets'], 'account.assets').map((x, i) => {
      const p = `account.assets[${i}]`;
      const o = obj(x, p);
      return {
        p,
        asset: str(o['asset'], `${p}.asset`),
        wallet: nonNeg(o['walletBalance'], `${p}.walletBalance`),
        maxWithdraw: nonNeg(o['maxWithdrawAmount'], `${p}.maxWithdrawAmount`),
      };
    });
    const balances = assetRows
      .filter((r) => !r.wallet.isZero())
      .map((r) => {
        const free = Decimal.min(r.wallet, r.maxWithdraw);
        return walletBalance(r.asset, r.wallet, free, r.wallet.minus(free), r.p);
      });

    const positions = arr(a['positions'], 'account.positions').flatMap((x, i) => {
      const p = `account.positions[${i}]`;
      const o = obj(x, p);
      const qty = dec(o['positionAmt'], `${p}.positionAmt`);
      if (qty.isZero()) return [];
      const venueSymbol = str(o['symbol'], `${p}.symbol`);
      const side = o['positionSide'] === undefined ? 'BOTH' : str(o['positionSide'], `${p}.positionSide`);
      const r = risk.get(`${venueSymbol}|${side}`);
      const instrument = bySymbol.get(venueSymbol);
      const isolatedWallet = nonNeg(o['isolatedWallet'] ?? '0', `${p}.isolatedWallet`);
      const isolated =
        typeof o['isolated'] === 'boolean'
          ? o['isolated']
          : r?.row['marginType'] !== undefined
            ? str(r.row['marginType'], `${r.path}.marginType`) === 'isolated'
            : isolatedWallet.gt(0);
      const settle =
        instrument?.settle ??
        (r?.row['marginAsset'] !== undefined
          ? str(r.row['marginAsset'], `${r.path}.marginAsset`)
          : undefined) ??
        SETTLE_SUFFIXES.find((s) => venueSymbol.endsWith(s)) ??
        fail(`${p}.symbol`, venueSymbol, 'has no known settle asset (not listed, no positionRisk row)');
      const crossIm =
        o['positionInitialMargin'] !== undefined
          ? nonNeg(o['positionInitialMargin'], `${p}.positionInitialMargin`)
          : nonNeg(o['initialMargin'], `${p}.initialMargin`);
      const entry =
        o['entryPrice'] !== undefined
          ? optPrice(o['entryPrice'], `${p}.entryPrice`)
          : r === undefined
            ? null
            : optPrice(r.row['entryPrice'], `${r.path}.entryPrice`);
      return [
        {
          instrument: instrument?.symbol ?? null,
          venueSymbol,
          qty,
          entryPrice: entry,
          markPrice: r === undefined ? null : optPrice(r.row['markPrice'], `${r.path}.markPrice`),
          unrealizedPnl: dec(o['unrealizedProfit'], `${p}.unrealizedProfit`),
          settle,
          marginMode: isolated ? ('isolated' as const) : ('cross' as const),
          initialMargin: isolated ? isolatedWallet : crossIm,
          maintenanceMargin: nonNeg(o['maintMargin'], `${p}.maintMargin`),
          liquidationPrice:
            r === undefined ? null : optPrice(r.row['liquidationPrice'], `${r.path}.liquidationPrice`),
        },
      ];
    });

    const equity = dec(a['totalMarginBalance'], 'account.totalMarginBalance');
    const mm = nonNeg(a['totalMaintMargin'], 'account.totalMaintMargin');
    const totalIm = nonNeg(a['totalInitialMargin'], 'account.totalInitialMargin');
    const anyIsolated = positions.some((x) => x.marginMode === 'isolated');
    const im =
      !multi && anyIsolated
        ? positions
            .filter((x) => x.settle === 'USDT')
            .reduce((s, x) => s.plus(x.initialMargin), new Decimal(0))
        : totalIm;
    const free = nonNeg(a['availableBalance'], 'account.availableBalance');
    const cash = multi
      ? nonNeg(a['totalWalletBalance'], 'account.totalWalletBalance')
      : (assetRows.find((r) => r.asset === 'USDT')?.wallet ?? new Decimal(0));
    // Read to reject a bad value even where the figure is not used.
    optDec(a['totalWalletBalance'], 'account.totalWalletBalance');
    return {
      model: 'binanceusdm',
      currency: multi ? 'USD' : 'USDT',
      venueAt: null,
      balances,
      positions,
      equity,
      unrealizedPnl: dec(a['totalUnrealizedProfit'], 'account.totalUnrealizedProfit'),
      initialMargin: im,
      maintenanceMargin: mm,
      marginRatio: mm.isZero() || !equity.isPositive() ? null : mm.div(equity),
      collateralValue: equity,
      freeCollateral: free,
      cash,
      buyingPower: free,
    };
  });
