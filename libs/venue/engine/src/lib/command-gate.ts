/**
 * Which commands the gateway acts on, and how. Pure: gate state + recorded event → work.
 *
 * - Commands for accounts this process does not own are ignored (another gateway owns them).
 * - Until an account is reconciled, its commands are deferred: the shell does not act on
 *   them (nor acknowledge them) until `markReconciled`.
 * - A kill switch (global or for the account) or a halted account (credentials refused)
 *   blocks new orders: the placement still looks up an in-doubt order, but never sends one.
 *   Cancels always go through: they only reduce risk.
 * - A command recorded before this process started (`position <= startPosition`) may have
 *   been sent by the previous process: it is placed "in doubt" (looked up first).
 * - A request seen after its `validUntil` (a backlog after an outage) is blocked as `Expired`:
 *   recorded as rejected, never sent at prices long gone (looked up first if in doubt).
 */
import * as E from 'fp-ts/Either';
import {
  deriveId,
  EventData,
  EventMeta,
  newEvent,
  NewEvent,
  RecordedEvent,
  ValidationError,
} from '@keel/events';

export type AccountPhase = 'Reconciling' | 'Ready' | 'Halted';

export interface GateState {
  /** Phase per owned account. */
  readonly accounts: Readonly<
    Record<string, { readonly phase: AccountPhase; readonly reason: string | null }>
  >;
  readonly globalKill: string | null;
  /** Account id → kill reason. */
  readonly accountKill: Readonly<Record<string, string>>;
  /** The global position of the log when this process started. */
  readonly startPosition: number;
}

export const initialGate = (ownedAccounts: readonly string[], startPosition: number): GateState => ({
  accounts: Object.fromEntries(
    ownedAccounts.map((a) => [a, { phase: 'Reconciling' as const, reason: null }]),
  ),
  globalKill: null,
  accountKill: {},
  startPosition,
});

const setPhase = (s: GateState, accountId: string, phase: AccountPhase, reason: string | null): GateState =>
  s.accounts[accountId] ? { ...s, accounts: { ...s.accounts, [accountId]: { phase, reason } } } : s;

export const markReconciled = (s: GateState, accountId: string): GateState =>
  s.accounts[accountId]?.phase === 'Reconciling' ? setPhase(s, accountId, 'Ready', null) : s;

/** Credentials refused: no new orders for the account until an operator restarts it. */
export const halt = (s: GateState, accountId: string, reason: string): GateState =>
  setPhase(s, accountId, 'Halted', reason);

/**
 * The alert that goes with `halt`: recorded in the account's stream so operators and the apps
 * that send orders learn it. Its id derives from (account, the request that met the refusal),
 * so a retried handler records it once.
 */
export const accountHaltedEvent = (
  d: {
    readonly accountId: string;
    readonly venue: string;
    readonly code: string;
    readonly reason: string;
    readonly clientOrderId: string | null;
  },
  meta: EventMeta,
): E.Either<ValidationError, NewEvent> =>
  newEvent('AccountHalted', deriveId('AccountHalted', d.accountId, d.clientOrderId ?? ''), d, meta);

/** Fold kill-switch events into the gate. */
export const evolveGate = (s: GateState, e: RecordedEvent): GateState => {
  if (e.type === 'KillSwitchEngaged') {
    const d = e.data;
    if (d.scope === 'global') return { ...s, globalKill: d.reason };
    return d.accountId ? { ...s, accountKill: { ...s.accountKill, [d.accountId]: d.reason } } : s;
  }
  if (e.type === 'KillSwitchReleased') {
    const d = e.data;
    if (d.scope === 'global') return { ...s, globalKill: null };
    if (!d.accountId) return s;
    const { [d.accountId]: _released, ...rest } = s.accountKill;
    return { ...s, accountKill: rest };
  }
  return s;
};

export type GatewayWork =
  | { readonly type: 'ignore' }
  | { readonly type: 'defer'; readonly accountId: string }
  | {
      readonly type: 'place';
      readonly command: EventData<'ChildOrderRequested'>;
      readonly inDoubt: boolean;
      readonly blocked: { readonly code: string; readonly reason: string } | null;
    }
  | { readonly type: 'cancel'; readonly command: EventData<'ChildOrderCancelRequested'> };

const blockOf = (
  s: GateState,
  accountId: string,
): { readonly code: string; readonly reason: string } | null => {
  if (s.globalKill !== null)
    return { code: 'KillSwitchEngaged', reason: `global kill switch: ${s.globalKill}` };
  const k = s.accountKill[accountId];
  if (k !== undefined) return { code: 'KillSwitchEngaged', reason: `account kill switch: ${k}` };
  const a = s.accounts[accountId];
  if (a?.phase === 'Halted') return { code: 'AccountHalted', reason: a.reason ?? 'account halted' };
  return null;
};

const expiryOf = (
  command: EventData<'ChildOrderRequested'>,
  now: number,
): { readonly code: string; readonly reason: string } | null =>
  command.validUntil !== null && now > Date.parse(command.validUntil)
    ? {
        code: 'Expired',
        reason: `valid until ${command.validUntil}, seen at ${new Date(now).toISOString()}: never sent`,
      }
    : null;

/** What to do about a command event, seen at `now` (epoch ms, the injected clock). */
export const route = (s: GateState, e: RecordedEvent, now: number): GatewayWork => {
  if (e.type !== 'ChildOrderRequested' && e.type !== 'ChildOrderCancelRequested') return { type: 'ignore' };
  const accountId = e.data.accountId;
  const account = s.accounts[accountId];
  if (!account) return { type: 'ignore' };
  if (account.phase === 'Reconciling') return { type: 'defer', accountId };
  if (e.type === 'ChildOrderCancelRequested') return { type: 'cancel', command: e.data };
  return {
    type: 'place',
    command: e.data,
    inDoubt: e.globalPosition <= s.startPosition,
    blocked: blockOf(s, accountId) ?? expiryOf(e.data, now),
  };
};
