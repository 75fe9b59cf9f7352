/**
 * The venue adapters the gateway's config names, one per owned account:
 * - `sim`: the simulator in this process, or one served over loopback HTTP (`venueUrl`);
 * - `binanceusdm` | `okx` | `hyperliquid`: real ccxt (`@keel/venue-ccxt`), testnet unless
 *   `network` is `live`, credentials from the environment (never from the config file, never logged).
 *
 * Credentials of account `binance-main` are read from `VENUE_BINANCE_MAIN_API_KEY`,
 * `VENUE_BINANCE_MAIN_SECRET` (Binance, OKX), `VENUE_BINANCE_MAIN_PASSPHRASE` (OKX),
 * `VENUE_BINANCE_MAIN_WALLET_ADDRESS` and `VENUE_BINANCE_MAIN_PRIVATE_KEY` (Hyperliquid):
 * the account id upper-cased, every other character than A–Z and 0–9 turned into `_`.
 */
import * as E from 'fp-ts/Either';
import { InfrastructureError, KeelError, ValidationError } from '@keel/events';
import { Clock } from '@keel/runtime';
import { VenueAdapter } from '@keel/venue-domain';
import { CcxtCredentials, CcxtVenueId, createCcxtVenue } from '@keel/venue-ccxt';
import { Misbehaviour, misbehavingVenue, SimMarketSpec, httpVenueAdapter } from '@keel/venue-sim';
import { loadSimMarkets, parseBalances, startSimVenue, startSimVenueOn } from './sim.venue';

export type VenueKind = 'sim' | CcxtVenueId;

export interface VenueSettings {
  readonly venue: VenueKind;
  readonly network: 'testnet' | 'live';
  readonly venueUrl: string;
  readonly venueTimeoutMs: number;
  readonly okxBook: 'usd' | 'coin';
  readonly simTrades: string;
  readonly simQuotes: string;
  /** ISO instant the sim data's first event lands on; empty = when the venue starts. */
  readonly simDataStart: string;
  /** The simulated venue's name (what its events and instruments say). */
  readonly simVenue: string;
  /** Markets on the session's clock (`keel demo`); when given, simTrades/simQuotes/simDataStart are not used. */
  readonly simMarkets?: readonly SimMarketSpec[];
  /** Every simulated account's starting balances, `USDT=1000000,…`. */
  readonly simBalances: string;
  /** The in-process simulator misbehaves like a real venue (`misbehavingVenue`). */
  readonly simMisbehave?: Misbehaviour;
}

const invalid = (path: string, value: string, message: string): ValidationError => ({
  _tag: 'ValidationError',
  path,
  value,
  message,
});
const infra = (op: string, message: string): InfrastructureError => ({
  _tag: 'InfrastructureError',
  component: 'gateway',
  op,
  message,
});

export const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** `binance-main` → `VENUE_BINANCE_MAIN_`. */
export const credentialPrefix = (accountId: string): string =>
  `VENUE_${accountId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;

const NEEDED: Readonly<Record<CcxtVenueId, readonly (keyof CcxtCredentials)[]>> = {
  binanceusdm: ['apiKey', 'secret'],
  okx: ['apiKey', 'secret', 'passphrase'],
  hyperliquid: ['walletAddress', 'privateKey'],
};

const ENV_NAME: Readonly<Record<keyof CcxtCredentials, string>> = {
  apiKey: 'API_KEY',
  secret: 'SECRET',
  passphrase: 'PASSPHRASE',
  walletAddress: 'WALLET_ADDRESS',
  privateKey: 'PRIVATE_KEY',
};

/** The account's credentials from the environment; an error names every variable that is missing (never a value). */
export const credentialsFor = (
  venue: CcxtVenueId,
  accountId: string,
  env: Readonly<Record<string, string | undefined>>,
): E.Either<ValidationError, CcxtCredentials> => {
  const prefix = credentialPrefix(accountId);
  const missing = NEEDED[venue].filter((k) => !env[prefix + ENV_NAME[k]]);
  if (missing.length > 0)
    return E.left(
      invalid(
        missing.map((k) => prefix + ENV_NAME[k]).join(', '),
        '',
        `${venue} account ${accountId} needs credentials in the environment: ${missing.map((k) => prefix + ENV_NAME[k]).join(', ')}`,
      ),
    );
  return E.right(
    Object.fromEntries(NEEDED[venue].map((k) => [k, env[prefix + ENV_NAME[k]]])) as CcxtCredentials,
  );
};

/** One adapter per account, in the order of `accountIds`. */
export const openAdapters = async (
  s: VenueSettings,
  accountIds: readonly string[],
  clock: Clock,
  env: Readonly<Record<string, string | undefined>>,
): Promise<E.Either<KeelError, VenueAdapter[]>> => {
  const urls = list(s.venueUrl);
  if (s.venue !== 'sim') {
    const venue = s.venue;
    if (urls.length > 1)
      return E.left(
        invalid(
          'KEEL_VENUE_URL',
          s.venueUrl,
          `${venue}: at most one URL (every request of every account goes to it; for tests against a stand-in server)`,
        ),
      );
    const out: VenueAdapter[] = [];
    for (const accountId of accountIds) {
      const credentials = credentialsFor(venue, accountId, env);
      if (E.isLeft(credentials)) return credentials;
      out.push(
        createCcxtVenue({
          venue,
          accountId,
          credentials: credentials.right,
          testnet: s.network === 'testnet',
          timeoutMs: s.venueTimeoutMs,
          okxBook: s.okxBook,
          clock: () => clock.now(),
          ...(urls[0] ? { urlOverride: urls[0] } : {}),
        }),
      );
    }
    return E.right(out);
  }
  if (urls.length > 0) {
    if (urls.length !== accountIds.length)
      return E.left(invalid('KEEL_VENUE_URL', s.venueUrl, 'one URL per account id'));
    const out: VenueAdapter[] = [];
    for (const [i, url] of urls.entries()) {
      const a = await httpVenueAdapter(url);
      if (E.isLeft(a)) return E.left(infra('venue', `${url}: ${JSON.stringify(a.left)}`));
      if (a.right.accountId !== accountIds[i])
        return E.left(infra('venue', `${url} serves account ${a.right.accountId}, not ${accountIds[i]}`));
      out.push(a.right);
    }
    return E.right(out);
  }
  const balances = parseBalances(s.simBalances);
  if (E.isLeft(balances)) return E.left(invalid('KEEL_SIM_BALANCES', s.simBalances, balances.left));
  const misbehave = s.simMisbehave;
  const wrap = (v: VenueAdapter): VenueAdapter => (misbehave ? misbehavingVenue(v, clock, misbehave) : v);
  const out: VenueAdapter[] = [];
  if (s.simMarkets !== undefined) {
    const markets = await loadSimMarkets(s.simMarkets);
    if (E.isLeft(markets)) return E.left(invalid('simMarkets', '', markets.left));
    for (const accountId of accountIds)
      out.push(
        wrap(
          startSimVenueOn({
            venue: s.simVenue,
            accountId,
            clock,
            markets: markets.right,
            balances: balances.right,
          }),
        ),
      );
    return E.right(out);
  }
  for (const accountId of accountIds) {
    const v = await startSimVenue({
      venue: s.simVenue,
      balances: balances.right,
      accountId,
      clock,
      trades: s.simTrades,
      quotes: s.simQuotes,
      ...(s.simDataStart ? { dataStart: Date.parse(s.simDataStart) } : {}),
    });
    if (E.isLeft(v)) return E.left(infra('sim', v.left));
    out.push(wrap(v.right));
  }
  return E.right(out);
};
