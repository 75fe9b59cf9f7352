module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'pnl-replay',
  rootDir: __dirname,
  testTimeout: 120000,
};
