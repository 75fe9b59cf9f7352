/**
 * The architecture's boundaries are enforced by lint, and this spec proves the lint really
 * fails on violations: it writes probe files into a real pure project, lints them with the
 * workspace's own ESLint config through the real CLI (ESLint's config loader cannot run
 * inside Jest's VM), and deletes them. One CLI run for all probes: each run costs ~10 s.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const probeDir = path.join(root, 'libs/events/src/lib');

const probes = {
  nodeFs: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
  clockAndRandom: 'export const t = Date.now();\nexport const r = Math.random();\nexport const d = new Date();\n',
  platformImport: "import type { EventStore } from '@keel/event-store';\nexport type X = EventStore;\n",
  clean: 'export const add = (a: number, b: number): number => a + b;\n',
  engineImportsAdapter: "import { startPnlArchiver } from '@keel/pnl-replay';\nexport const x = startPnlArchiver;\n",
};
type Probe = keyof typeof probes;
/** Probes that belong in another project than the pure one (an engine's rule needs an engine). */
const probeDirs: Partial<Record<Probe, string>> = { engineImportsAdapter: path.join(root, 'libs/pnl/engine/src/lib') };

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string }[];
}

const messages: Record<string, string[]> = {};

beforeAll(() => {
  const files = Object.entries(probes).map(([name, source]) => {
    const file = path.join(probeDirs[name as Probe] ?? probeDir, `lint-probe-${process.pid}-${name}.ts`);
    fs.writeFileSync(file, source);
    return [name, file] as const;
  });
  try {
    const run = spawnSync(path.join(root, 'node_modules/.bin/eslint'), ['--format', 'json', ...files.map(([, f]) => f)], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    if (run.status !== 0 && run.status !== 1) throw new Error(`eslint could not run: ${run.stderr}`);
    const results = JSON.parse(run.stdout) as LintResult[];
    for (const [name, file] of files)
      messages[name] = (results.find((r) => r.filePath === file)?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
  } finally {
    for (const [, file] of files) fs.rmSync(file, { force: true });
  }
});

const of = (p: Probe): string[] => messages[p] ?? [];

describe('lint enforces the architecture', () => {
  it('fails a pure library that imports node:fs', () => {
    expect(of('nodeFs').join('\n')).toMatch(/no-restricted-imports: .*pure libraries do no I\/O/);
  });

  it('fails a pure library that reads the wall clock or randomness', () => {
    expect(of('clockAndRandom').filter((m) => m.startsWith('no-restricted-syntax'))).toEqual([
      'no-restricted-syntax: time is injected: take `now` as data',
      'no-restricted-syntax: randomness is injected: take ids/seeds as data',
      'no-restricted-syntax: time is injected: take `now` as data',
    ]);
  });

  it('fails a contract library that imports a platform library', () => {
    // The rule reports the tag violation, or the cycle it would create first: either fails lint.
    expect(of('platformImport').some((m) => m.startsWith('@nx/enforce-module-boundaries:'))).toBe(true);
  });

  it('fails an engine that imports an adapter (engines take adapters as ports)', () => {
    expect(of('engineImportsAdapter').join('\n')).toMatch(/@nx\/enforce-module-boundaries: .*type:engine/);
  });

  it('passes a clean pure module', () => {
    expect(of('clean')).toEqual([]);
  });
});
