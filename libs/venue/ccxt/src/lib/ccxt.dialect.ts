/**
 * The few request parameters that differ per venue — how our client order id, time in force
 * and reduce-only are spelled — on top of ccxt's unified API. See README.md for why each.
 */
import type { OrderRequest } from '@keel/venue-domain';
import type { CcxtVenueId } from './ccxt.weights';
import type { CloidBook } from './hyperliquid.cloid';

type Params = Record<string, unknown>;

/** Venue-specific request parameters; everything else is ccxt's unified API. */
export interface VenueDialect {
  placeParams(o: OrderRequest): Params;
  byClientId(clientOrderId: string): { readonly id: string | undefined; readonly params: Params };
  clientOrderIdOf(raw: string | undefined): string;
}

const tif = (o: OrderRequest): Params =>
  o.type === 'market' ? {} : o.timeInForce === 'PO' ? { postOnly: true } : { timeInForce: o.timeInForce };

export const dialectFor = (venue: CcxtVenueId, cloids: CloidBook): VenueDialect => {
  switch (venue) {
    case 'binanceusdm':
      return {
        placeParams: (o) => ({
          newClientOrderId: o.clientOrderId,
          ...tif(o),
          ...(o.reduceOnly ? { reduceOnly: true } : {}),
        }),
        byClientId: (id) => ({ id: undefined, params: { origClientOrderId: id } }),
        clientOrderIdOf: (raw) => raw ?? '',
      };
    case 'okx':
      return {
        placeParams: (o) => ({
          clOrdId: o.clientOrderId,
          tdMode: 'cross',
          ...tif(o),
          ...(o.reduceOnly ? { reduceOnly: true } : {}),
        }),
        byClientId: (id) => ({ id: undefined, params: { clOrdId: id } }),
        clientOrderIdOf: (raw) => raw ?? '',
      };
    case 'hyperliquid':
      return {
        placeParams: (o) => ({
          clientOrderId: cloids.cloidOf(o.clientOrderId),
          ...tif(o),
          ...(o.reduceOnly ? { reduceOnly: true } : {}),
        }),
        byClientId: (id) => ({ id: cloids.cloidOf(id), params: { clientOrderId: cloids.cloidOf(id) } }),
        clientOrderIdOf: (raw) => (raw === undefined ? '' : cloids.clientOrderIdOf(raw)),
      };
    default: {
      const _never: never = venue;
      return _never;
    }
  }
};
