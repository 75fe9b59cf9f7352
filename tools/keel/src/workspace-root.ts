/**
 * The repository's root directory, found by walking up to nx.json from this file. Under tsx
 * this file is tools/keel/src/; in the CLI bundle its `__dirname` is rewritten to the same
 * place (scripts/keel.cjs), so both modes agree; the walk also survives a move of either.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

export const workspaceRoot = (): string => {
  if (cached !== undefined) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return (cached = dir);
    if (path.dirname(dir) === dir) return (cached = process.cwd());
  }
};
