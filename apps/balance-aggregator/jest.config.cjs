module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'balance-aggregator',
  rootDir: __dirname,
  testTimeout: 180000,
};
