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
import * as E from 'fp-ts/Either';
import { encodeEvent, validateData } from '@keel/events';
import { decodeParentOrderEvent, ParentOrderEvent } from '@keel/execution-domain';
import { intFlag, parseFlags } from '../cli.io';
import type { Command, OptionSpecs } from './command';
import { parentOrderHistory } from './bench-parent-orders';

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
    const events = parentOrderHistory(parents);
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
