/** Test helpers shared by the venue model specs: an instrument per venue symbol, and unwrapping. */
import * as E from 'fp-ts/Either';
import Decimal from 'decimal.js';
import { BINANCE_USDM_BTCUSDT, Instrument } from '@keel/instruments';
import { AccountFigures, AccountPayloadError } from '../account.model';

export const instrument = (
  venue: string,
  venueSymbol: string,
  symbol: string,
  settle: string,
  contractSize = '1',
): Instrument => ({
  ...BINANCE_USDM_BTCUSDT,
  venue,
  venueSymbol,
  symbol,
  settle,
  quote: settle,
  contractSize: new Decimal(contractSize),
});

export const right = (r: E.Either<AccountPayloadError, AccountFigures>): AccountFigures => {
  if (E.isLeft(r)) throw new Error(`expected figures, got ${r.left.message}`);
  return r.right;
};

export const left = (r: E.Either<AccountPayloadError, AccountFigures>): AccountPayloadError => {
  if (E.isRight(r)) throw new Error('expected a refusal, got figures');
  return r.left;
};

/** A deep copy of a captured body, to build a variant from. */
export const copy = <A>(a: A): A => JSON.parse(JSON.stringify(a)) as A;

/** Decimal figures as strings, so `toEqual` compares exact values. */
export const plain = (v: unknown): unknown =>
  Decimal.isDecimal(v)
    ? (v as Decimal).toFixed()
    : Array.isArray(v)
      ? v.map(plain)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
        : v;
