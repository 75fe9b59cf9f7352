/**
 * The architecture's boundaries are enforced by lint, and this spec proves the lint really
 * fails on violations: it writes probe files into real projects (a pure contract, a context's
 * domain, a shared domain), lints them with the
 * workspace's own ESLint config through the real CLI (ESLint's config loader cannot run
 * inside Jest's VM), and deletes them. One CLI run for all probes: each run costs ~10 s.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
/** A contract (type:contract, scope:shared). */
const events = 'libs/events/src/lib';
/** A context's domain (type:domain, scope:execution). */
const executionDomain = 'libs/execution/domain/src/lib';
/** A domain several contexts share (type:domain, scope:shared). */
const calendar = 'libs/calendar/src/lib';
/** An engine (type:engine): it takes adapters as ports. */
const engine = 'libs/rollover/engine/src/lib';

const probes = {
  nodeFs: [events, "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
  clockAndRandom: [
    events,
    'export const t = Date.now();\nexport const r = Math.random();\nexport const d = new Date();\n',
  ],
  platformImport: [
    events,
    "import type { EventStore } from '@keel/event-store';\nexport type X = EventStore;\n",
  ],
  clean: [events, 'export const add = (a: number, b: number): number => a + b;\n'],
  // Same layer (domain → domain), other context: only the scope rule can refuse it.
  crossContext: [
    executionDomain,
    "import type { VenueAdapter } from '@keel/venue-domain';\nexport type X = VenueAdapter;\n",
  ],
  sharedFromContext: [
    executionDomain,
    "import type { Instrument } from '@keel/instruments';\nexport type X = Instrument;\n",
  ],
  contextFromShared: [
    calendar,
    "import type { VenueAdapter } from '@keel/venue-domain';\nexport type X = VenueAdapter;\n",
  ],
  // Test support (src/testing, `@keel/<lib>/testing`) is for specs: library code may not import it.
  testingFromLib: [
    executionDomain,
    "import { T0 } from '@keel/execution-domain/testing';\nexport const t = T0;\n",
  ],
  engineImportsAdapter: [
    engine,
    "import * as venueSim from '@keel/venue-sim';\nexport const x = venueSim;\n",
  ],
  // Test helpers: a spec may import them (a name ending in `Spec` is written as a *.spec.ts), a production file may not.
  testingImport: [
    events,
    "import { DeciderSpecification } from '@keel/testing';\nexport const s = DeciderSpecification;\n",
  ],
  testingImportSpec: [
    events,
    "import { DeciderSpecification } from '@keel/testing';\nit('has the helper', () => expect(DeciderSpecification).toBeDefined());\n",
  ],
} as const;
type Probe = keyof typeof probes;

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string }[];
}

const messages: Record<string, string[]> = {};

beforeAll(() => {
  const files = Object.entries(probes).map(([name, [dir, source]]) => {
    const file = path.join(
      root,
      dir,
      `lint-probe-${process.pid}-${name}${name.endsWith('Spec') ? '.spec' : ''}.ts`,
    );
    fs.writeFileSync(file, source);
    return [name, file] as const;
  });
  try {
    const run = spawnSync(
      path.join(root, 'node_modules/.bin/eslint'),
      ['--format', 'json', ...files.map(([, f]) => f)],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NX_DAEMON: 'false' },
      },
    );
    if (run.status !== 0 && run.status !== 1) throw new Error(`eslint could not run: ${run.stderr}`);
    const results = JSON.parse(run.stdout) as LintResult[];
    for (const [name, file] of files)
      messages[name] = (results.find((r) => r.filePath === file)?.messages ?? []).map(
        (m) => `${m.ruleId}: ${m.message}`,
      );
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

  it('passes a clean pure module', () => {
    expect(of('clean')).toEqual([]);
  });

  it("fails a context's library that imports another context's library", () => {
    expect(of('crossContext')).toEqual([
      '@nx/enforce-module-boundaries: A project tagged with "scope:execution" can only depend on libs tagged with "scope:execution", "scope:shared"',
    ]);
  });

  it("passes a context's library that imports a scope:shared library", () => {
    expect(of('sharedFromContext')).toEqual([]);
  });

  it("fails library code that imports a library's test support", () => {
    expect(of('testingFromLib')).toContain(
      "no-restricted-imports: '@keel/execution-domain/testing' import is restricted from being used by a pattern. test helpers are for *.spec.ts files only",
    );
  });

  it('fails a scope:shared library that imports a context', () => {
    expect(of('contextFromShared')).toEqual([
      '@nx/enforce-module-boundaries: A project tagged with "scope:shared" can only depend on libs tagged with "scope:shared"',
    ]);
  });

  it('fails a pure library whose production code imports the test helpers, and lets its specs import them', () => {
    expect(
      of('testingImport').some(
        (m) => m.startsWith('@nx/enforce-module-boundaries:') || m.startsWith('no-restricted-imports:'),
      ),
    ).toBe(true);
    expect(
      of('testingImportSpec').filter(
        (m) => m.startsWith('@nx/enforce-module-boundaries:') || m.startsWith('no-restricted-imports:'),
      ),
    ).toEqual([]);
  });

  it('fails an engine that imports an adapter (adapters reach an engine as ports)', () => {
    expect(of('engineImportsAdapter').join('\n')).toMatch(/@nx\/enforce-module-boundaries: .*type:engine/);
  });
});
