/**
 * Hyperliquid, main perp dex and spot (classic account: perps margin is the perps USDC balance).
 * Payloads, at least one present: `clearinghouseState` = the `/info` answer to
 * `{"type":"clearinghouseState","user"}` (perps), `spotClearinghouseState` = the answer to
 * `{"type":"spotClearinghouseState","user"}` (spot). Field meanings: Hyperliquid docs, info endpoint,
 * "Retrieve user's perpetuals account summary" / "Retrieve a user's token balances"
 * (hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint).
 *
 * Figures, and the field each comes from:
 * - perps wallet (USDC) = marginSummary.accountValue − Σ positions' unrealizedPnl: accountValue counts
 *   PnL once (cross and isolated); taking it out once gives the wallet, isolated margins included.
 * - free of that wallet = min(withdrawable, wallet), locked = the rest: with isolated positions the
 *   isolated margin is locked (the capture: wallet 76.813617, withdrawable 57.6421, locked 19.171517 =
 *   the HYPE isolated margin). ccxt took free = accountValue − totalMarginUsed, or accountValue itself,
 *   which is wrong with isolated positions (ccxt #25798) and ignores what HL holds back (the capture:
 *   accountValue 20.454862, withdrawable 19.954862).
 * - positions: qty = szi (signed, coin units); entryPrice = entryPx; markPrice = positionValue / |szi|
 *   (HL reports the notional at its mark, not the mark); unrealizedPnl; settle = the instrument's settle
 *   or USDC; marginMode = leverage.type; initialMargin = marginUsed (cross) or marginUsed −
 *   unrealizedPnl (isolated: HL's isolated marginUsed includes the PnL, so this is the margin put in);
 *   maintenanceMargin = positionValue / (2 × maxLeverage) (HL: maintenance margin is half the initial
 *   margin at max leverage; it reproduces crossMaintenanceMarginUsed on the captures);
 *   liquidationPrice = liquidationPx.
 * - spot balances: total, hold → free = total − hold (hold ≤ total, checked). Tokens keep HL's names
 *   (UETH, USOL); only USDC is valued here, other tokens are left to the aggregator to price. The
 *   spot and perps USDC rows are one USDC balance (summed).
 * - currency: USDC. equity = accountValue + spot USDC total; cash = perps wallet + spot USDC total;
 *   unrealizedPnl = Σ positions'; initialMargin = crossMarginSummary.totalMarginUsed + Σ isolated
 *   margins put in; maintenanceMargin = crossMaintenanceMarginUsed + Σ isolated maintenance margins;
 *   marginRatio = maintenance / equity.
 * - collateralValue = accountValue + spot USDC total (USDC at 1, no haircut; spot USDC moves to perps
 *   margin by an instant transfer). freeCollateral = withdrawable + spot USDC free. buyingPower =
 *   freeCollateral (leverage is per coin).
 * - venueAt = clearinghouseState.time; null with spot only (the spot answer has no time).
 *
 * Unified / portfolio-margin accounts (spot as perps collateral) and HIP-3 dexes are not modelled.
 */
import Decimal from 'decimal.js';
import { AccountFigures, AccountModelFn } from '../account.model';
import {
  arr,
  dec,
  epochMs,
  fail,
  nonNeg,
  obj,
  optPrice,
  runModel,
  str,
  walletBalance,
} from '../payload.read';

const ZERO = new Decimal(0);
type Bal = ReturnType<typeof walletBalance>;

const perpsOf = (v: unknown, bySymbol: ReadonlyMap<string, { symbol: string; settle: string }>) => {
  const c = obj(v, 'clearinghouseState');
  const ms = obj(c['marginSummary'], 'clearinghouseState.marginSummary');
  const cms = obj(c['crossMarginSummary'], 'clearinghouseState.crossMarginSummary');
  const accountValue = dec(ms['accountValue'], 'clearinghouseState.marginSummary.accountValue');
  const positions = arr(c['assetPositions'], 'clearinghouseState.assetPositions').flatMap((x, i) => {
    const p = `clearinghouseState.assetPositions[${i}].position`;
    const o = obj(obj(x, `clearinghouseState.assetPositions[${i}]`)['position'], p);
    const qty = dec(o['szi'], `${p}.szi`);
    if (qty.isZero()) return [];
    const venueSymbol = str(o['coin'], `${p}.coin`);
    const lev = obj(o['leverage'], `${p}.leverage`);
    const typeRaw = str(lev['type'], `${p}.leverage.type`);
    const type: 'cross' | 'isolated' =
      typeRaw === 'cross' || typeRaw === 'isolated'
        ? typeRaw
        : fail(`${p}.leverage.type`, typeRaw, 'is not cross or isolated');
    const value = nonNeg(o['positionValue'], `${p}.positionValue`);
    const upnl = dec(o['unrealizedPnl'], `${p}.unrealizedPnl`);
    const marginUsed = nonNeg(o['marginUsed'], `${p}.marginUsed`);
    const maxLev = dec(o['maxLeverage'], `${p}.maxLeverage`);
    if (!maxLev.isPositive()) fail(`${p}.maxLeverage`, o['maxLeverage'], 'is not positive');
    const im = type === 'isolated' ? marginUsed.minus(upnl) : marginUsed;
    if (im.isNegative()) fail(`${p}.marginUsed`, o['marginUsed'], 'is less than the isolated PnL');
    const instrument = bySymbol.get(venueSymbol);
    return [
      {
        instrument: instrument?.symbol ?? null,
        venueSymbol,
        qty,
        entryPrice: optPrice(o['entryPx'], `${p}.entryPx`),
        markPrice: value.isZero() ? null : value.div(qty.abs()),
        unrealizedPnl: upnl,
        settle: instrument?.settle ?? 'USDC',
        marginMode: type,
        initialMargin: im,
        maintenanceMargin: value.div(maxLev.times(2)),
        liquidationPrice: optPrice(o['liquidationPx'], `${p}.liquidationPx`),
      },
    ];
  });
  const upnl = positions.reduce((s, x) => s.plus(x.unrealizedPnl), ZERO);
  const wallet = accountValue.minus(upnl);
  if (wallet.isNegative())
    fail(
      'clearinghouseState.marginSummary.accountValue',
      ms['accountValue'],
      'is less than the positions’ PnL',
    );
  const withdrawable = nonNeg(c['withdrawable'], 'clearinghouseState.withdrawable');
  const isolated = positions.filter((x) => x.marginMode === 'isolated');
  const free = Decimal.min(withdrawable, wallet);
  return {
    accountValue,
    positions,
    upnl,
    wallet: walletBalance('USDC', wallet, free, wallet.minus(free), 'clearinghouseState'),
    withdrawable,
    im: nonNeg(cms['totalMarginUsed'], 'clearinghouseState.crossMarginSummary.totalMarginUsed').plus(
      isolated.reduce((s, x) => s.plus(x.initialMargin), ZERO),
    ),
    mm: nonNeg(c['crossMaintenanceMarginUsed'], 'clearinghouseState.crossMaintenanceMarginUsed').plus(
      isolated.reduce((s, x) => s.plus(x.maintenanceMargin), ZERO),
    ),
    at: epochMs(c['time'], 'clearinghouseState.time'),
  };
};

const spotOf = (v: unknown): Bal[] =>
  arr(obj(v, 'spotClearinghouseState')['balances'], 'spotClearinghouseState.balances').map((x, i) => {
    const p = `spotClearinghouseState.balances[${i}]`;
    const o = obj(x, p);
    const total = nonNeg(o['total'], `${p}.total`);
    const hold = nonNeg(o['hold'], `${p}.hold`);
    if (hold.gt(total)) fail(`${p}.hold`, o['hold'], 'is more than the total');
    return walletBalance(str(o['coin'], `${p}.coin`), total, total.minus(hold), hold, p);
  });

export const hyperliquidAccount: AccountModelFn = (payloads, ctx) =>
  runModel((): AccountFigures => {
    const hasPerps = payloads['clearinghouseState'] !== undefined;
    const hasSpot = payloads['spotClearinghouseState'] !== undefined;
    if (!hasPerps && !hasSpot)
      fail('clearinghouseState', undefined, 'is missing, and so is spotClearinghouseState: nothing to read');
    const bySymbol = new Map(ctx.instruments.map((i) => [i.venueSymbol, i]));
    const perps = hasPerps ? perpsOf(payloads['clearinghouseState'], bySymbol) : null;
    const spot = hasSpot ? spotOf(payloads['spotClearinghouseState']) : [];
    const spotUsdc = spot.filter((b) => b.asset === 'USDC');
    const spotUsdcTotal = spotUsdc.reduce((s, b) => s.plus(b.total), ZERO);
    const spotUsdcFree = spotUsdc.reduce((s, b) => s.plus(b.free), ZERO);
    const usdcRows = perps === null ? spotUsdc : [perps.wallet, ...spotUsdc];
    const usdc =
      usdcRows.length === 0
        ? []
        : [
            usdcRows.reduce((s, b) =>
              walletBalance(
                'USDC',
                s.total.plus(b.total),
                s.free.plus(b.free),
                s.locked.plus(b.locked),
                'USDC',
              ),
            ),
          ];
    const balances = [...usdc, ...spot.filter((b) => b.asset !== 'USDC')];
    const equity = (perps?.accountValue ?? ZERO).plus(spotUsdcTotal);
    const mm = perps?.mm ?? ZERO;
    const free = (perps?.withdrawable ?? ZERO).plus(spotUsdcFree);
    return {
      model: 'hyperliquid',
      currency: 'USDC',
      venueAt: perps?.at ?? null,
      balances,
      positions: perps?.positions ?? [],
      equity,
      unrealizedPnl: perps?.upnl ?? ZERO,
      initialMargin: perps?.im ?? ZERO,
      maintenanceMargin: mm,
      marginRatio: mm.isZero() || !equity.isPositive() ? null : mm.div(equity),
      collateralValue: equity,
      freeCollateral: free,
      cash: (perps?.wallet.total ?? ZERO).plus(spotUsdcTotal),
      buyingPower: free,
    };
  });
