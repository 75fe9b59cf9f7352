/**
 * OKX unified (trading) account, one Keel book per sub-account (`ctx.okxBook`: 'usd' for USDT/USDC
 * margined swaps, 'coin' for coin-margined ones). Payloads: `balance` = the body of
 * GET /api/v5/account/balance, `positions` = the body of GET /api/v5/account/positions (each
 * `{ code: "0", data, msg }`; both required: a missing positions body is not "no positions"). Field meanings: OKX API v5 "Get balance" / "Get positions"
 * (okx.com/docs-v5/en/#trading-account-rest-api-get-balance); empty strings are fields OKX leaves unset
 * in the account's mode (the account-level imr/mmr/mgnRatio/adjEq/availEq/upl exist only in
 * multi-currency and portfolio margin).
 *
 * Figures, and the field each comes from (account-level figures are OKX's, in USD):
 * - balances: one per `details[]` row. total = cashBal (the cash balance, unrealized PnL excluded:
 *   not `eq`, which is cash + upl, the figure ccxt reports as the total (ccxt #27225), nor any sum of
 *   overlapping fields, which is how ccxt's totals came out doubled (ccxt #9270)); free =
 *   availBal (more than cashBal rejects); locked = the rest. frozenBal is not used as "locked": in multi-currency
 *   mode it includes what orders froze of borrowed funds and can exceed cashBal (the capture: USDT
 *   cashBal 0.000258796, frozenBal 441.02). A negative cashBal (a liability, auto-borrow) rejects:
 *   Keel's books do not borrow.
 * - positions: qty = pos × the instrument's contractSize (ctVal; OKX `pos` is in contracts), signed by
 *   posSide: long +, short −, net as sent; an instId Keel does not list rejects (no ctVal to convert).
 *   entryPrice = avgPx, markPrice = markPx, unrealizedPnl = upl, settle = ccy, marginMode = mgnMode,
 *   initialMargin = imr (cross) or margin (isolated), maintenanceMargin = mmr, liquidationPrice = liqPx.
 *   A position settling outside the book (a USDT swap in the coin book) rejects.
 * - currency: USD. equity = totalEq.
 * - unrealizedPnl = the account `upl`, or (single-currency mode) Σ details upl × eqUsd/eq.
 * - initialMargin = account imr (cross, USD) or Σ details imr × eqUsd/eq, plus Σ isolated positions'
 *   margin × the settle currency's eqUsd/eq (OKX's account imr covers cross only, so nothing twice).
 *   maintenanceMargin likewise with mmr.
 * - marginRatio: OKX's mgnRatio is adjusted equity / maintenance margin (liquidation at 100%), the
 *   inverse of Keel's; Keel's = 1 / mgnRatio. Single-currency mode: the worst (largest) 1/mgnRatio of
 *   the currencies and isolated positions. Null when OKX gives none.
 * - collateralValue = adjEq (equity after OKX's discount rates, Σ disEq); totalEq in single-currency
 *   mode, which has no haircuts (each currency margins its own positions).
 * - freeCollateral = availEq (account); single-currency mode: Σ details availEq × eqUsd/eq.
 * - cash: 'usd' book: cashBal of USDT + USDC at par; 'coin' book: Σ cashBal × eqUsd/eq of the other
 *   currencies (OKX's own USD price of each).
 * - buyingPower = freeCollateral (OKX sets leverage per instrument, not per account).
 * - venueAt = balance uTime.
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
  optDec,
  optPrice,
  runModel,
  str,
  walletBalance,
} from '../payload.read';

const USD_SETTLE = new Set(['USDT', 'USDC']);
const ZERO = new Decimal(0);

const body = (v: unknown, name: string): readonly unknown[] => {
  const o = obj(v, name);
  if (o['code'] !== '0') fail(`${name}.code`, o['code'], 'is not "0" (an OKX error answer)');
  return arr(o['data'], `${name}.data`);
};

// One body over ~140 lines: it reads the answer top to bottom in the header's order, so each figure
// sits next to the field it comes from; split up, the provenance would scatter across helpers.
export const okxAccount: AccountModelFn = (payloads, ctx) =>
  runModel((): AccountFigures => {
    const book =
      ctx.okxBook ?? fail('ctx.okxBook', ctx.okxBook, 'is not set: an OKX account is a usd or coin book');
    const data = body(payloads['balance'], 'balance');
    if (data.length !== 1) fail('balance.data', data, 'does not hold exactly one account');
    const acct = obj(data[0], 'balance.data[0]');
    const A = 'balance.data[0]';
    const inBook = (ccy: string): boolean => (book === 'usd' ? USD_SETTLE.has(ccy) : !USD_SETTLE.has(ccy));

    const details = arr(acct['details'], `${A}.details`).map((x, i) => {
      const p = `${A}.details[${i}]`;
      const o = obj(x, p);
      const ccy = str(o['ccy'], `${p}.ccy`);
      const cash = dec(o['cashBal'], `${p}.cashBal`);
      if (cash.isNegative())
        fail(`${p}.cashBal`, o['cashBal'], 'is negative: a borrowed balance, which Keel books do not hold');
      const avail = nonNeg(o['availBal'], `${p}.availBal`);
      if (avail.gt(cash)) fail(`${p}.availBal`, o['availBal'], 'is more than cashBal: total ≠ free + locked');
      const eq = dec(o['eq'], `${p}.eq`);
      const eqUsd = dec(o['eqUsd'], `${p}.eqUsd`);
      const usd = (v: Decimal, field: string): Decimal => {
        if (v.isZero()) return ZERO;
        if (eq.isZero()) return fail(`${p}.eq`, o['eq'], `is 0, so ${field} has no USD price`);
        return v.times(eqUsd).div(eq);
      };
      return {
        p,
        o,
        ccy,
        cash,
        usd,
        balance: walletBalance(ccy, cash, avail, cash.minus(avail), p),
        upl: optDec(o['upl'], `${p}.upl`) ?? ZERO,
        imr: optDec(o['imr'], `${p}.imr`),
        mmr: optDec(o['mmr'], `${p}.mmr`),
        mgnRatio: optDec(o['mgnRatio'], `${p}.mgnRatio`),
        availEq: optDec(o['availEq'], `${p}.availEq`),
      };
    });
    const byCcy = new Map(details.map((d) => [d.ccy, d]));
    const usdOf = (ccy: string, v: Decimal, path: string): Decimal =>
      v.isZero()
        ? ZERO
        : (byCcy.get(ccy)?.usd(v, path) ?? fail(path, ccy, 'has no balance row to price it in USD'));

    const bySymbol = new Map(ctx.instruments.map((i) => [i.venueSymbol, i]));
    const positions = body(payloads['positions'], 'positions').flatMap((x, i) => {
      const p = `positions.data[${i}]`;
      const o = obj(x, p);
      const venueSymbol = str(o['instId'], `${p}.instId`);
      const posSide = str(o['posSide'], `${p}.posSide`);
      const contracts =
        posSide === 'net'
          ? dec(o['pos'], `${p}.pos`)
          : posSide === 'long'
            ? nonNeg(o['pos'], `${p}.pos`)
            : posSide === 'short'
              ? nonNeg(o['pos'], `${p}.pos`).neg()
              : fail(`${p}.posSide`, o['posSide'], 'is not long, short or net');
      if (contracts.isZero()) return [];
      const instrument =
        bySymbol.get(venueSymbol) ??
        fail(`${p}.instId`, venueSymbol, 'is not listed by Keel: no ctVal to convert');
      const settle = str(o['ccy'], `${p}.ccy`);
      if (!inBook(settle)) fail(`${p}.ccy`, settle, `settles outside the ${book} book`);
      const modeRaw = str(o['mgnMode'], `${p}.mgnMode`);
      const mode: 'cross' | 'isolated' =
        modeRaw === 'cross' || modeRaw === 'isolated'
          ? modeRaw
          : fail(`${p}.mgnMode`, modeRaw, 'is not cross or isolated');
      return [
        {
          instrument: instrument.symbol,
          venueSymbol,
          qty: contracts.times(instrument.contractSize),
          entryPrice: optPrice(o['avgPx'], `${p}.avgPx`),
          markPrice: optPrice(o['markPx'], `${p}.markPx`),
          unrealizedPnl: dec(o['upl'], `${p}.upl`),
          settle,
          marginMode: mode,
          initialMargin:
            mode === 'isolated' ? nonNeg(o['margin'], `${p}.margin`) : (optDec(o['imr'], `${p}.imr`) ?? null),
          maintenanceMargin: optDec(o['mmr'], `${p}.mmr`),
          liquidationPrice: optPrice(o['liqPx'], `${p}.liqPx`),
          mgnRatio: optDec(o['mgnRatio'], `${p}.mgnRatio`),
          p,
        },
      ];
    });
    const isolated = positions.filter((x) => x.marginMode === 'isolated');
    const isoSum = (pick: (x: (typeof positions)[number]) => Decimal | null, field: string): Decimal =>
      isolated.reduce((s, x) => s.plus(usdOf(x.settle, pick(x) ?? ZERO, `${x.p}.${field}`)), ZERO);
    const sumDetails = (pick: (d: (typeof details)[number]) => Decimal | null, field: string): Decimal =>
      details.reduce((s, d) => s.plus(d.usd(pick(d) ?? ZERO, field)), ZERO);

    const equity = dec(acct['totalEq'], `${A}.totalEq`);
    const accImr = optDec(acct['imr'], `${A}.imr`);
    const accMmr = optDec(acct['mmr'], `${A}.mmr`);
    const im = (accImr ?? sumDetails((d) => d.imr, 'imr')).plus(isoSum((x) => x.initialMargin, 'margin'));
    const mm = (accMmr ?? sumDetails((d) => d.mmr, 'mmr')).plus(isoSum((x) => x.maintenanceMargin, 'mmr'));
    const accRatio = optDec(acct['mgnRatio'], `${A}.mgnRatio`);
    const inverse = (r: Decimal | null): Decimal | null =>
      r === null || !r.isPositive() ? null : new Decimal(1).div(r);
    const marginRatio =
      accRatio !== null
        ? inverse(accRatio)
        : [
            ...details.map((d) => inverse(d.mgnRatio)),
            ...isolated.map((x) => inverse(x.mgnRatio)),
          ].reduce<Decimal | null>(
            (worst, r) => (r === null ? worst : worst === null || r.gt(worst) ? r : worst),
            null,
          );
    const free = optDec(acct['availEq'], `${A}.availEq`) ?? sumDetails((d) => d.availEq, 'availEq');
    const cash = details
      .filter((d) => inBook(d.ccy))
      .reduce((s, d) => s.plus(book === 'usd' ? d.cash : d.usd(d.cash, 'cashBal')), ZERO);
    return {
      model: 'okx',
      currency: 'USD',
      venueAt: epochMs(acct['uTime'], `${A}.uTime`),
      balances: details.map((d) => d.balance),
      positions: positions.map(({ mgnRatio: _r, p: _p, ...x }) => x),
      equity,
      unrealizedPnl: optDec(acct['upl'], `${A}.upl`) ?? sumDetails((d) => d.upl, 'upl'),
      initialMargin: im,
      maintenanceMargin: mm,
      marginRatio,
      collateralValue: optDec(acct['adjEq'], `${A}.adjEq`) ?? equity,
      freeCollateral: free,
      cash,
      buyingPower: free,
    };
  });
