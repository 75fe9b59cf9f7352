export {
  createCcxtVenue,
  type CcxtVenueConfig,
  type CcxtVenueId,
  type CcxtCredentials,
} from './lib/ccxt.adapter';
export { requestWeight } from './lib/ccxt.weights';
export { toCloid } from './lib/hyperliquid.cloid';
