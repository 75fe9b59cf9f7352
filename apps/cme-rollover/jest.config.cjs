module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'cme-rollover',
  rootDir: __dirname,
  testTimeout: 120000,
};
