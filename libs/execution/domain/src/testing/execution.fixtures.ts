/**
 * Spec fixtures for the execution domain: a decider "given events / when command / then
 * events" helper and builders. Imported by specs only.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { BINANCE_USDM_BTCUSDT } from '@keel/instruments';
import {
  decide,
  defaultExecutionConfig,
  ExecutionConfig,
  ParentOrderCommand,
} from '../lib/parent-order.decide';
import { evolve, initialState, ParentOrderEvent, ParentOrderState, Touch } from '../lib/parent-order.state';

export const T0 = Date.parse('2026-01-01T00:00:00Z');
export const MIN = 60_000;
export const BTC = BINANCE_USDM_BTCUSDT;
export const cfg: ExecutionConfig = defaultExecutionConfig({ accounts: ['acc1'], instruments: [BTC] });

export const touch = (bid: string, ask: string): Touch => ({ bid: new Decimal(bid), ask: new Decimal(ask) });
export const TOUCH = touch('90000.0', '90000.1');

export const setTarget = (
  over: Partial<Extract<ParentOrderCommand, { type: 'SetTarget' }>> = {},
): ParentOrderCommand => ({
  type: 'SetTarget',
  targetId: 'tgt1',
  accountId: 'acc1',
  instrument: 'BTCUSDT',
  currentPosition: '0',
  targetPosition: '1',
  start: T0,
  deadline: T0 + 60 * MIN,
  slices: 6,
  now: T0,
  touch: TOUCH,
  market: null,
  ...over,
});

export const fold = (
  events: readonly ParentOrderEvent[],
  from: ParentOrderState = initialState(),
): ParentOrderState => events.reduce(evolve, from);

/** Run commands in order from a state; returns the final state and every event. Throws on Left. */
export const run = (
  commands: readonly ParentOrderCommand[],
  from: ParentOrderState = initialState(),
  c: ExecutionConfig = cfg,
): { state: ParentOrderState; events: ParentOrderEvent[] } => {
  let state = from;
  const events: ParentOrderEvent[] = [];
  for (const cmd of commands) {
    const r = decide(cmd, state, c);
    if (E.isLeft(r)) throw new Error(`${cmd.type} refused: ${JSON.stringify(r.left)}`);
    events.push(...r.right);
    state = fold(r.right, state);
  }
  return { state, events };
};

export const ofType = <T extends ParentOrderEvent['type']>(events: readonly ParentOrderEvent[], type: T) =>
  events.filter((e): e is Extract<ParentOrderEvent, { type: T }> => e.type === type);

/** Decimals as strings, for readable `toEqual`s. */
export const str = (x: unknown): unknown =>
  JSON.parse(JSON.stringify(x, (_k, v: unknown) => (Decimal.isDecimal(v) ? (v as Decimal).toString() : v)));
