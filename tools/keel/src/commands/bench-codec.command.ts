/**
 * `keel bench codec [--parents 200] [--rounds 5] [--json]`: what decoding events into the
 * domain's types costs. A real parent-order stream (the execution decider driven through
 * targets, ticks, fills and cancels on a moving touch) is encoded once; then, over the same
 * stored payloads and in the same run, it times
 *  - the baseline: the schema check every read already does (`validateData`),
 *  - decode: `decodeParentOrderEvent` (check, transforms to Decimal / epoch ms, fold checks),
 *  - encode: `encodeEvent` (transforms back to JSON, check of what is written),
 * interleaved `rounds` times, and reports the best of each as events/s and as a ratio to the
 * baseline (these machines are noisy: the ratio is the figure to compare).
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { encodeEvent, validateData } from '@keel/events';
import {
  decide,
  decodeParentOrderEvent,
  defaultExecutionConfig,
  evolve,
  initialState,
  ParentOrderCommand,
  ParentOrderEvent,
  ParentOrderState,
} from '@keel/execution-domain';
import { BINANCE_USDM_BTCUSDT } from '@keel/instruments';
import { intFlag, parseFlags } from '../cli.io';
import type { Command, OptionSpecs } from './command';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const cfg = defaultExecutionConfig({ accounts: ['acc1'], instruments: [BINANCE_USDM_BTCUSDT] });

/** The events of `parents` parent orders, each driven to completion on a moving touch. */
const streamOf = (parents: number): ParentOrderEvent[] => {
  const out: ParentOrderEvent[] = [];
  let state: ParentOrderState = initialState();
  let now = T0;
  let price = new Decimal('90000');
  let trade = 0;
  const apply = (c: ParentOrderCommand): void => {
    const r = decide(c, state, cfg);
    if (E.isLeft(r)) return;
    out.push(...r.right);
    state = r.right.reduce(evolve, state);
  };
  const market = () => ({
    tradeQty: new Decimal(trade),
    tradeNotional: price.times(trade),
    midMs: price.times(now - T0),
    ms: now - T0,
  });
  for (let p = 0; p < parents; p++) {
    const position = state.position.toFixed();
    apply({
      type: 'SetTarget',
      targetId: `t${p}`,
      accountId: 'acc1',
      instrument: BINANCE_USDM_BTCUSDT.symbol,
      currentPosition: position,
      targetPosition: p % 2 === 0 ? '1' : '0',
      start: now,
      deadline: now + 20 * 60_000,
      slices: 10,
      now,
      touch: { bid: price, ask: price.plus('0.1') },
      market: market(),
    });
    for (let step = 0; step < 60 && state.status === 'Working'; step++) {
      now += 30_000;
      price = price.plus(step % 3 === 0 ? '0.5' : '-0.2');
      trade += 1;
      apply({
        type: 'Tick',
        now,
        touch: { bid: price, ask: price.plus('0.1') },
        market: market(),
      });
      if (state.status !== 'Working') break;
      for (const ch of state.children) {
        if (ch.status === 'Requested')
          apply({ type: 'RecordAccepted', clientOrderId: ch.clientOrderId, now });
        else if (ch.status === 'Cancelling')
          apply({ type: 'RecordCancelled', clientOrderId: ch.clientOrderId, now });
        else if (step % 2 === 0)
          apply({
            type: 'RecordFill',
            clientOrderId: ch.clientOrderId,
            tradeId: `x${out.length}`,
            qty: ch.qty.minus(ch.filled),
            price: ch.price ?? price,
            fee: new Decimal('0.01'),
            liquidity: ch.kind === 'passive' ? 'maker' : 'taker',
            now,
          });
      }
    }
    now += 60_000;
  }
  return out;
};

const timed = (n: number, f: () => void): number => {
  const t = process.hrtime.bigint();
  f();
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
};

const OPTIONS = {
  parents: {
    type: 'string',
    valueName: 'n',
    description: 'parent orders in the encoded stream',
    defaultText: '200',
  },
  rounds: {
    type: 'string',
    valueName: 'n',
    description: 'interleaved timing rounds (the best of each is reported)',
    defaultText: '5',
  },
} as const satisfies OptionSpecs;

export const benchCodecCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const parents = intFlag('parents', flags.parents, 200);
    const rounds = intFlag('rounds', flags.rounds, 5);
    const events = streamOf(parents);
    const stored = events.map((e) => {
      const s = encodeEvent(e);
      if (E.isLeft(s)) throw new Error(`${e.type} does not encode: ${s.left.message}`);
      return JSON.parse(JSON.stringify(s.right)) as {
        type: ParentOrderEvent['type'];
        data: unknown;
        occurredAt: string;
      };
    });
    io.progress(`bench codec: ${events.length} events of ${parents} parent orders, ${rounds} rounds`);
    const best = { validate: 0, decode: 0, encode: 0 };
    let failures = 0;
    for (let r = 0; r < rounds; r++) {
      best.validate = Math.max(
        best.validate,
        timed(stored.length, () => {
          for (const s of stored) if (E.isLeft(validateData(s.type, s.data))) failures++;
        }),
      );
      best.decode = Math.max(
        best.decode,
        timed(stored.length, () => {
          for (const s of stored) if (E.isLeft(decodeParentOrderEvent(s))) failures++;
        }),
      );
      best.encode = Math.max(
        best.encode,
        timed(events.length, () => {
          for (const e of events) if (E.isLeft(encodeEvent(e))) failures++;
        }),
      );
    }
    if (failures > 0) throw new Error(`${failures} events failed to validate, decode or encode`);
    const byType: Record<string, number> = {};
    for (const e of events) byType[e.type] = (byType[e.type] ?? 0) + 1;
    const round = (x: number): number => Math.round(x);
    const result = {
      events: events.length,
      byType,
      rounds,
      validatePerSec: round(best.validate),
      decodePerSec: round(best.decode),
      encodePerSec: round(best.encode),
      decodeVsValidate: Math.round((best.validate / best.decode) * 100) / 100,
      encodeVsValidate: Math.round((best.validate / best.encode) * 100) / 100,
    };
    io.result(
      result,
      () =>
        `${result.events} events: check ${result.validatePerSec}/s, decode ${result.decodePerSec}/s (${result.decodeVsValidate}× the check's time), encode ${result.encodePerSec}/s (${result.encodeVsValidate}×)`,
    );
    return 0;
  },
};
