/** The venue port's contract on the ccxt adapter (Binance USD-M), against the signed, stateful stand-in server. */
import Decimal from 'decimal.js';
import { venueAdapterContract } from '@keel/venue-domain/testing';
import { startBinanceStandin } from '../testing/binance-standin';
import { createCcxtVenue } from './ccxt.adapter';

const API_KEY = 'contractKeyZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju9';
const SECRET = 'contractSecretjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fA';

venueAdapterContract('ccxt binanceusdm (signed stand-in server)', async () => {
  const standin = await startBinanceStandin({ apiKey: API_KEY, secret: SECRET });
  const venue = createCcxtVenue({
    venue: 'binanceusdm',
    accountId: 'contract',
    credentials: { apiKey: API_KEY, secret: SECRET },
    testnet: false,
    timeoutMs: 2_000,
    urlOverride: standin.url,
  });
  return {
    venue,
    symbol: 'BTC/USDT:USDT',
    restingBuyPrice: new Decimal('50000'),
    qty: new Decimal('0.01'),
    takerFeeRate: new Decimal('0.0005'),
    close: async () => {
      expect(standin.server.signatureFailures).toEqual([]);
      await venue.close();
      await standin.close();
    },
  };
});
