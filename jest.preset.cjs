// Shared Jest settings. TypeScript goes through SWC (fast, no type-check: `tsc` does that
// separately); ESM-only packages (@noble) are transformed too, as TOOLCHAIN.md advises.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace('/', '\\/')}$`] = path.join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  // ccxt ships nested copies of them too (node_modules/ccxt/node_modules/@noble/...).
  transformIgnorePatterns: ['/node_modules/(?!(@noble|@scure)/|ccxt/node_modules/(@noble|@scure)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testMatch: ['**/*.spec.ts'],
  testTimeout: 30000,
};
