/**
 * The child side of `runInChild`: `node --import tsx in-child.entry.ts <module> <export> <args JSON> <out file>`.
 * Writes the function's result as JSON to the out file; any failure goes to stderr with exit 1.
 */
import { writeFile } from 'node:fs/promises';

const main = async (): Promise<void> => {
  const [modulePath, exportName, argsJson, out] = process.argv.slice(2);
  if (modulePath === undefined || exportName === undefined || argsJson === undefined || out === undefined)
    throw new Error('usage: in-child.entry.ts <module> <export> <args JSON> <out file>');
  const mod = (await import(modulePath)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new Error(`${modulePath} has no function export ${exportName}`);
  const result: unknown = await (fn as (...a: unknown[]) => unknown)(...(JSON.parse(argsJson) as unknown[]));
  await writeFile(out, JSON.stringify(result));
};

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
