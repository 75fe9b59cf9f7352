// Lint is where the architecture is enforced: project tags decide who may import whom
// (@nx/enforce-module-boundaries), and pure libraries (contracts, domains) may not reach
// for I/O, the wall clock or randomness. See docs/architecture.md, "Layout and boundaries".
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const PURE_LIB_FILES = [
  'libs/events/src/**/*.ts',
  'libs/instruments/src/**/*.ts',
  'libs/*/domain/src/**/*.ts',
  'libs/calendar/src/**/*.ts',
  'libs/decider/src/**/*.ts',
];

// Bounded contexts: each may depend on itself and on `scope:shared` only. Code several
// contexts need (the event contract, the instrument contract, the CME calendar, the
// platform libs) is `scope:shared`; nothing shared may reach into a context.
const CONTEXT_SCOPES = ['execution', 'venue', 'rollover', 'balances', 'portfolio', 'prediction', 'relay'];

// Layers below an engine. Specs of every layer may use the test kits (type:testing);
// no-restricted-imports keeps those out of non-spec code.
const BELOW_ENGINE = ['type:platform', 'type:domain', 'type:contract', 'type:util', 'type:testing'];

// Who may import whom, by tag: layers first, then scopes (both must allow an import).
const DEP_CONSTRAINTS = [
  // Layers: apps → engines → adapters/platform → domain → contract → util.
  // Apps may use test helpers in specs and test/ harnesses only (no-restricted-imports below).
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:engine', 'type:adapter', ...BELOW_ENGINE] },
  // An engine (libs/<context>/engine) is a context's application layer on ports: adapters are
  // injected, not imported, so the same object runs in the app and in the simulation.
  { sourceTag: 'type:engine', onlyDependOnLibsWithTags: ['type:engine', ...BELOW_ENGINE] },
  // The in-process simulation kernel (libs/simulation) hosts engines on simulated adapters.
  {
    sourceTag: 'type:simulation',
    onlyDependOnLibsWithTags: ['type:engine', 'type:adapter', ...BELOW_ENGINE],
  },
  {
    sourceTag: 'type:adapter',
    onlyDependOnLibsWithTags: ['type:platform', 'type:domain', 'type:contract', 'type:util', 'type:testing'],
  },
  {
    sourceTag: 'type:platform',
    onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:util', 'type:testing'],
  },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:util'] },
  { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  // A tool may use another tool's library (the keel CLI runs tools/contract's generator); no
  // other layer may depend on a tool.
  {
    sourceTag: 'type:tool',
    onlyDependOnLibsWithTags: [
      'type:tool',
      'type:simulation',
      'type:engine',
      'type:adapter',
      ...BELOW_ENGINE,
    ],
  },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:util', 'type:testing'],
  },

  // Scopes: a context depends on itself and on scope:shared only.
  ...CONTEXT_SCOPES.map((scope) => ({
    sourceTag: `scope:${scope}`,
    onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'],
  })),
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  // The simulation hosts every context's engines (but never an app); the CLI and the
  // workspace checks may use anything.
  { sourceTag: 'scope:simulation', onlyDependOnLibsWithTags: ['*'], notDependOnLibsWithTags: ['type:app'] },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['*'] },
];
// Specs get two additions: any project's specs may import the test helpers (type:testing), e.g.
// a domain spec uses @keel/testing's DeciderSpecification; and an engine's specs drive it on real
// parts (the simulator on recorded data), not mocks. Their production files still may not.
const withTesting = (tags) =>
  tags.includes('type:testing') || tags.includes('*') ? tags : [...tags, 'type:testing'];
const forSpecs = (c) => ({
  ...c,
  onlyDependOnLibsWithTags: withTesting(
    c.sourceTag === 'type:engine'
      ? [...c.onlyDependOnLibsWithTags, 'type:adapter']
      : c.onlyDependOnLibsWithTags,
  ),
});
const SPEC_DEP_CONSTRAINTS = DEP_CONSTRAINTS.map(forSpecs);
const boundaries = (depConstraints) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints },
];

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/.nx', '**/*.cjs', '**/*.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(DEP_CONSTRAINTS),
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(SPEC_DEP_CONSTRAINTS) },
  },
  {
    // Test helpers (a real nats-server launcher, temp dirs, each lib's src/testing) are for
    // specs only; benchmarks (each lib's src/bench) are for the keel CLI only.
    files: ['**/*.ts'],
    ignores: [
      '**/*.spec.ts',
      '**/src/test/**',
      '**/src/testing/**',
      '**/src/bench/**',
      'libs/testing/**',
      'libs/app-testing/**',
      'tools/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@keel/testing', message: 'test helpers are for *.spec.ts files only' },
            { name: '@keel/app-testing', message: 'test helpers are for *.spec.ts files only' },
          ],
          patterns: [
            { group: ['@keel/*/testing'], message: 'test helpers are for *.spec.ts files only' },
            { group: ['@keel/*/bench'], message: 'benchmarks are for the keel CLI (tools/keel) only' },
          ],
        },
      ],
    },
  },
  {
    // The functional core: no I/O, no wall clock, no randomness. Time and ids arrive as data.
    files: PURE_LIB_FILES,
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*'],
              message: 'pure libraries do no I/O: move this to an adapter or the app shell',
            },
            {
              group: [
                'fs',
                'fs/*',
                'path',
                'os',
                'child_process',
                'net',
                'http',
                'https',
                'crypto',
                'worker_threads',
              ],
              message: 'pure libraries do no I/O',
            },
            {
              group: ['@keel/testing', '@keel/app-testing', '@keel/*/testing'],
              message: 'test helpers are for *.spec.ts files only',
            },
            { group: ['@keel/*/bench'], message: 'benchmarks are for the keel CLI (tools/keel) only' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'time is injected: take `now` as data',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'time is injected: take `now` as data',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'randomness is injected: take ids/seeds as data',
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'pure libraries do not read the environment' },
      ],
    },
  },
];
