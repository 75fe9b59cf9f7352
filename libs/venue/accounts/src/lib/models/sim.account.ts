/**
 * The simulator's account (@keel/venue-sim): one linear, cross-margined account in a single
 * settle currency. Payload `account`:
 * `{ currency, at, leverage, balances: [{ asset, total, locked }], positions: [{ symbol, qty,
 * entryPrice, markPrice, initialMargin, maintenanceMargin }] }`, decimals as strings, `at` in
 * epoch ms, `symbol` the venue symbol, `qty` signed base units.
 */
import Decimal from 'decimal.js';
import { exact, plain } from '@keel/instruments';
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

export const simAccount: AccountModelFn = (payloads, ctx) =>
  runModel((): AccountFigures => {
    const a = obj(payloads['account'], 'account');
    const currency = str(a['currency'], 'account.currency');
    const leverage = dec(a['leverage'], 'account.leverage');
    if (leverage.lte(0)) fail('account.leverage', a['leverage'], 'is not positive');
    const bySymbol = new Map(ctx.instruments.map((i) => [i.venueSymbol, i]));
    const balances = arr(a['balances'], 'account.balances').map((b, i) => {
      const p = `account.balances[${i}]`;
      const o = obj(b, p);
      const total = nonNeg(o['total'], `${p}.total`);
      const locked = nonNeg(o['locked'], `${p}.locked`);
      if (locked.gt(total)) fail(`${p}.locked`, o['locked'], 'is more than the total');
      // Exact: total − locked rounded to 20 digits would no longer add up to the total.
      const free = plain(exact(total).minus(locked));
      return walletBalance(str(o['asset'], `${p}.asset`), total, free, locked, p);
    });
    const positions = arr(a['positions'], 'account.positions').map((x, i) => {
      const p = `account.positions[${i}]`;
      const o = obj(x, p);
      const venueSymbol = str(o['symbol'], `${p}.symbol`);
      const qty = dec(o['qty'], `${p}.qty`);
      const entryPrice = optPrice(o['entryPrice'], `${p}.entryPrice`);
      const markPrice = optPrice(o['markPrice'], `${p}.markPrice`);
      const unrealizedPnl =
        entryPrice !== null && markPrice !== null ? qty.times(markPrice.minus(entryPrice)) : new Decimal(0);
      return {
        instrument: bySymbol.get(venueSymbol)?.symbol ?? null,
        venueSymbol,
        qty,
        entryPrice,
        markPrice,
        unrealizedPnl,
        settle: currency,
        marginMode: 'cross' as const,
        initialMargin: nonNeg(o['initialMargin'], `${p}.initialMargin`),
        maintenanceMargin: nonNeg(o['maintenanceMargin'], `${p}.maintenanceMargin`),
        liquidationPrice: null,
      };
    });
    const cash = balances
      .filter((b) => b.asset === currency)
      .reduce((s, b) => s.plus(b.total), new Decimal(0));
    const upnl = positions.reduce((s, p) => s.plus(p.unrealizedPnl), new Decimal(0));
    const im = positions.reduce((s, p) => s.plus(p.initialMargin), new Decimal(0));
    const mm = positions.reduce((s, p) => s.plus(p.maintenanceMargin), new Decimal(0));
    const equity = cash.plus(upnl);
    const free = Decimal.max(0, equity.minus(im));
    return {
      model: 'sim',
      currency,
      venueAt: epochMs(a['at'], 'account.at'),
      balances,
      positions,
      equity,
      unrealizedPnl: upnl,
      initialMargin: im,
      maintenanceMargin: mm,
      marginRatio: mm.isZero() || !equity.isPositive() ? null : mm.div(equity),
      collateralValue: equity,
      freeCollateral: free,
      cash,
      buyingPower: free.times(leverage),
    };
  });
