// Lint is where the architecture is enforced: project tags decide who may import whom
// (@nx/enforce-module-boundaries), and pure libraries (contracts, domains) may not reach
// for I/O, the wall clock or randomness. See docs/architecture.md, "Layout and boundaries".
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const PURE_LIB_FILES = ['libs/events/src/**/*.ts', 'libs/*/domain/src/**/*.ts', 'libs/calendar/src/**/*.ts'];

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/.nx', '**/*.cjs', '**/*.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Apps may use test helpers in specs and test/ harnesses only (no-restricted-imports below).
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:engine', 'type:platform', 'type:adapter', 'type:domain', 'type:contract', 'type:util', 'type:testing'] },
            // An engine is a context's application layer: it takes its adapters as ports, never imports them.
            { sourceTag: 'type:engine', onlyDependOnLibsWithTags: ['type:platform', 'type:domain', 'type:contract', 'type:util', 'type:testing'] },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:platform', 'type:domain', 'type:contract', 'type:util', 'type:testing'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:util', 'type:testing'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:util'] },
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:engine', 'type:platform', 'type:adapter', 'type:domain', 'type:contract', 'type:util', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:util', 'type:testing'] },
          ],
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
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
