// ccxt ships its own nested copies of the ESM-only @noble/@scure packages
// (node_modules/ccxt/node_modules/@noble/...), which the preset's pattern does not reach.
module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'venue-ccxt',
  rootDir: __dirname,
  testTimeout: 60000,
  transformIgnorePatterns: ['/node_modules/(?!(@noble|@scure)/|ccxt/node_modules/(@noble|@scure)/)'],
};
