/**
 * A venue account model: the venue's raw answers for one account → the account's whole state
 * as Keel records it (AccountSnapshotReported). One model per venue account kind; pure, so a
 * projection can re-derive the figures from the raw bodies kept in the event.
 *
 * Rules every model keeps (the mis-derived fields other tools are known for):
 * - Wallet balances exclude unrealized PnL; `total = free + locked` is checked, never assumed.
 * - Equity = wallet + unrealized PnL, counted once.
 * - Each figure is read from the venue field that means it; a field that is not a plain decimal,
 *   or negative where the venue cannot be negative, rejects the whole answer with its path
 *   and value: nothing partial is recorded.
 */
import * as E from 'fp-ts/Either';
import { AccountModelName, DomainData } from '@keel/events';
import { Instrument } from '@keel/instruments';

/** One read of an account: the venue's bodies by endpoint, as received. */
export interface AccountRead {
  readonly model: AccountModelName;
  /**
   * The venue's bodies, by endpoint name (the model documents which it needs), e.g.
   * binanceusdm `{ account, multiAssetsMargin?, positionRisk? }`, okx `{ balance, positions }`, hyperliquid
   * `{ clearinghouseState, spotClearinghouseState }`, sim `{ account }`.
   */
  readonly payloads: Readonly<Record<string, unknown>>;
  /** When the first request went out and the last answer came back (epoch ms, the gateway clock). */
  readonly sentAt: number;
  readonly receivedAt: number;
}

/** What a model needs besides the bodies. */
export interface AccountContext {
  /** The instruments the gateway listed for the account's venue: venue symbol → Keel symbol, contract size. */
  readonly instruments: readonly Instrument[];
  /** OKX unified accounts: the sub-account's book (USD-margined or coin-margined swaps). */
  readonly okxBook?: 'usd' | 'coin';
}

/** The figures of AccountSnapshotReported a model derives (decoded: Decimal, epoch ms). */
export type AccountFigures = Omit<
  DomainData<'AccountSnapshotReported'>,
  'accountId' | 'venue' | 'receivedAt' | 'latencyMs' | 'raw'
>;

/** Why an answer was refused: the payload path (`account.assets[0].walletBalance`) and the value. */
export interface AccountPayloadError {
  readonly path: string;
  /** The value as received, JSON. */
  readonly value: string;
  readonly message: string;
}

export type AccountModelFn = (
  payloads: Readonly<Record<string, unknown>>,
  ctx: AccountContext,
) => E.Either<AccountPayloadError, AccountFigures>;
