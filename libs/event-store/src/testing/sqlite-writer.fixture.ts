/**
 * A second process for the SQLite multi-process test: appends `count` events to its own
 * stream in the given store file, one append at a time, then prints `done`.
 * Usage (cwd = workspace root): node --import tsx sqlite-writer.fixture.ts <file> <count> <run>
 */
import * as E from 'fp-ts/Either';
import { fill } from './event-store.fixtures';
import { openSqliteEventStore } from '../lib/sqlite.store';

const main = async (): Promise<number> => {
  const [file, countArg, run] = process.argv.slice(2);
  if (file === undefined || countArg === undefined || run === undefined) return 2;
  const opened = openSqliteEventStore({ path: file });
  if (E.isLeft(opened)) {
    process.stderr.write(`${opened.left.message}\n`);
    return 1;
  }
  const store = opened.right;
  for (let i = 0; i < Number(countArg); i++) {
    const r = await store.append(
      `venue-child-${run}`,
      [fill(`child-${run}`, i, i)],
      i === 0 ? 'noStream' : i - 1,
    )();
    if (E.isLeft(r)) {
      process.stderr.write(`${JSON.stringify(r.left)}\n`);
      return 1;
    }
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  await store.close();
  process.stdout.write('done\n');
  return 0;
};

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  },
);
