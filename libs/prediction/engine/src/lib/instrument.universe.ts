/**
 * The instruments predictions may be sent for: venue symbols as configured (`BTC/USDT:USDT`),
 * and CME roots (`CME:ES`), either each by name or all the calendar knows with `CME:*`.
 */
import * as E from 'fp-ts/Either';
import { lookupProduct } from '@keel/calendar';

export const DEFAULT_INSTRUMENTS: readonly string[] = [
  'BTC/USDT:USDT',
  'ETH/USDT:USDT',
  'SOL/USDT:USDT',
  'CME:*',
];

export const instrumentUniverse = (entries: readonly string[]): ((instrument: string) => boolean) => {
  const named = new Set(entries.filter((e) => e !== 'CME:*'));
  const everyCmeRoot = entries.includes('CME:*');
  return (instrument) => {
    if (named.has(instrument)) return true;
    if (!everyCmeRoot || !instrument.startsWith('CME:')) return false;
    return E.isRight(lookupProduct(instrument.slice(4)));
  };
};
