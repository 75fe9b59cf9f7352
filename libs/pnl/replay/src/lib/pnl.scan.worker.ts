/**
 * The scan half of a parallel PnL replay, in a worker thread: read raw rows from the embedded
 * store, take the short cut (or decode in full), and post packed pages to the fold on the
 * main thread, never more than the credits it was given (bounded memory).
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as E from 'fp-ts/Either';
import { describeError } from '@keel/events';
import { openRawLogScanner } from '@keel/event-store';
import { PNL_INPUT_TYPES } from '@keel/pnl-domain';
import { rawPages } from './log.source';
import { rowInput } from './pnl.extract';
import { packInput, packUndecodable } from './pnl.packed';

interface Job {
  readonly file: string;
  readonly after: number;
  readonly upTo: number;
  readonly strict: boolean;
  readonly pageSize: number;
}

const job = workerData as Job;
const port = parentPort!;
let credits = 0;
let wake: (() => void) | null = null;
port.on('message', (m: number) => {
  credits += m;
  wake?.();
});

const run = async (): Promise<void> => {
  const scanner = openRawLogScanner(job.file);
  if (E.isLeft(scanner)) throw new Error(describeError(scanner.left));
  try {
    for (const rows of rawPages(scanner.right, PNL_INPUT_TYPES, job.after, job.upTo, job.pageSize)) {
      let text = '';
      for (let i = 0; i < rows.length; i++) {
        const input = rowInput(rows[i]!, job.strict);
        if (input === null) continue;
        const line = 'undecodable' in input ? packUndecodable(input.undecodable) : packInput(input);
        text += text === '' ? line : `\n${line}`;
      }
      while (credits <= 0) await new Promise<void>((r) => (wake = r));
      credits--;
      port.postMessage({ text, last: rows[rows.length - 1]![0] });
    }
  } finally {
    scanner.right.close();
  }
  port.postMessage({ done: true });
};

run().catch((e: unknown) => port.postMessage({ error: e instanceof Error ? e.message : String(e) }));
