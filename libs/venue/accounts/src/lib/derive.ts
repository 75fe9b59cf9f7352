/** Every venue account model, by name, and the one entry point the gateway calls. */
import * as E from 'fp-ts/Either';
import { AccountModelName } from '@keel/events';
import {
  AccountContext,
  AccountFigures,
  AccountModelFn,
  AccountPayloadError,
  AccountRead,
} from './account.model';
import { binanceUsdmAccount } from './models/binanceusdm.account';
import { hyperliquidAccount } from './models/hyperliquid.account';
import { okxAccount } from './models/okx.account';
import { simAccount } from './models/sim.account';

export const ACCOUNT_MODEL_FNS: Readonly<Partial<Record<AccountModelName, AccountModelFn>>> = {
  binanceusdm: binanceUsdmAccount,
  okx: okxAccount,
  hyperliquid: hyperliquidAccount,
  sim: simAccount,
};

/** The figures of one read, or why the answer was refused (nothing of it is to be recorded). */
export const deriveAccount = (
  read: AccountRead,
  ctx: AccountContext,
): E.Either<AccountPayloadError, AccountFigures> => {
  const model = ACCOUNT_MODEL_FNS[read.model];
  return model === undefined
    ? E.left({ path: 'model', value: JSON.stringify(read.model), message: `no account model ${read.model}` })
    : model(read.payloads, ctx);
};
