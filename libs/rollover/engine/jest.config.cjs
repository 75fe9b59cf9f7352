module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'rollover-engine',
  rootDir: __dirname,
  testTimeout: 120000,
};
