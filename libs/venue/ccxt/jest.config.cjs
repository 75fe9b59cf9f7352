module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'venue-ccxt',
  rootDir: __dirname,
  testTimeout: 60000,
};
