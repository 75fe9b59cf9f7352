// Lint is where the architecture is enforced: project tags decide who may import whom
// (@nx/enforce-module-boundaries), and pure libraries (contracts, domains) may not reach
// for I/O, the wall clock or randomness. See docs/architecture.md, "Layout and boundaries".
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const PURE_LIB_FILES = ['libs/events/src/**/*.ts', 'libs/*/domain/src/**/*.ts', 'libs/calendar/src/**/*.ts', 'libs/decider/src/**/*.ts'];

// Who may import whom, by tag. Specs get one addition below: any project's specs may import the
// test helpers (type:testing), e.g. a domain spec uses @keel/testing's DeciderSpecification; its
// production files still may not.
const DEP_CONSTRAINTS = [
  // Apps may use test helpers in specs and test/ harnesses only (no-restricted-imports below).
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:engine', 'type:platform', 'type:adapter', 'type:domain', 'type:contract', 'type:util', 'type:testing'] },
  // An engine (libs/<context>/engine) is written against ports: adapters are injected, not imported.
  { sourceTag: 'type:engine', onlyDependOnLibsWithTags: ['type:engine', 'type:platform', 'type:domain', 'type:contract', 'type:util', 'type:testing'] },
  // The in-process simulation hosts engines on simulated adapters.
  { sourceTag: 'type:simulation', onlyDependOnLibsWithTags: ['type:engine', 'type:platform', 'type:adapter', 'type:domain', 'type:contract', 'type:util'] },
  { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:platform', 'type:domain', 'type:contract', 'type:util', 'type:testing'] },
  { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:util', 'type:testing'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:util'] },
  { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:simulation', 'type:engine', 'type:platform', 'type:adapter', 'type:domain', 'type:contract', 'type:util', 'type:testing'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:util', 'type:testing'] },
];
const withTesting = (tags) => (tags.includes('type:testing') ? tags : [...tags, 'type:testing']);
// An engine's specs drive it on real parts (the simulator on recorded data), not mocks.
const forSpecs = (c) => ({ ...c, onlyDependOnLibsWithTags: withTesting(c.sourceTag === 'type:engine' ? [...c.onlyDependOnLibsWithTags, 'type:adapter'] : c.onlyDependOnLibsWithTags) });
const SPEC_DEP_CONSTRAINTS = DEP_CONSTRAINTS.map(forSpecs);
const boundaries = (depConstraints) => ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints }];

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/.nx', '**/*.cjs', '**/*.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
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
    // Test helpers (a real nats-server launcher, temp dirs) are for specs only.
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts', '**/src/test/**', 'libs/testing/**', 'libs/app-testing/**', 'tools/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: '@keel/testing', message: 'test helpers are for *.spec.ts files only' }, { name: '@keel/app-testing', message: 'test helpers are for *.spec.ts files only' }] }],
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
            { group: ['node:*'], message: 'pure libraries do no I/O: move this to an adapter or the app shell' },
            { group: ['fs', 'fs/*', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'worker_threads'], message: 'pure libraries do no I/O' },
            { group: ['@keel/testing', '@keel/app-testing'], message: 'test helpers are for *.spec.ts files only' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'time is injected: take `now` as data' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'time is injected: take `now` as data' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'randomness is injected: take ids/seeds as data' },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'pure libraries do not read the environment' }],
    },
  },
];
