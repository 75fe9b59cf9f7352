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
/** An engine (type:engine) takes adapters as ports; importing one must fail. */
const engineProbeDir = path.join(root, 'libs/rollover/engine/src/lib');

const probes = {
  nodeFs: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
  clockAndRandom: 'export const t = Date.now();\nexport const r = Math.random();\nexport const d = new Date();\n',
  platformImport: "import type { EventStore } from '@keel/event-store';\nexport type X = EventStore;\n",
  clean: 'export const add = (a: number, b: number): number => a + b;\n',
  engineImportsAdapter: "import * as venueSim from '@keel/venue-sim';\nexport const x = venueSim;\n",
  // Test helpers: a spec may import them (a name ending in `Spec` is written as a *.spec.ts), a production file may not.
  testingImport: "import { DeciderSpecification } from '@keel/testing';\nexport const s = DeciderSpecification;\n",
  testingImportSpec: "import { DeciderSpecification } from '@keel/testing';\nit('has the helper', () => expect(DeciderSpecification).toBeDefined());\n",
};
type Probe = keyof typeof probes;

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string }[];
}

const messages: Record<string, string[]> = {};

beforeAll(() => {
  const files = Object.entries(probes).map(([name, source]) => {
    const file = path.join(name === 'engineImportsAdapter' ? engineProbeDir : probeDir, `lint-probe-${process.pid}-${name}${name.endsWith('Spec') ? '.spec' : ''}.ts`);
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

  it('fails a pure library whose production code imports the test helpers, and lets its specs import them', () => {
    expect(of('testingImport').some((m) => m.startsWith('@nx/enforce-module-boundaries:'))).toBe(true);
    expect(of('testingImportSpec').filter((m) => m.startsWith('@nx/enforce-module-boundaries:') || m.startsWith('no-restricted-imports:'))).toEqual([]);
  });

  it('fails an engine that imports an adapter (adapters reach an engine as ports)', () => {
    expect(of('engineImportsAdapter').join('\n')).toMatch(/@nx\/enforce-module-boundaries: .*type:engine/);
  });

  it('passes a clean pure module', () => {
    expect(of('clean')).toEqual([]);
  });
});
