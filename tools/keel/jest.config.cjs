module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'keel',
  rootDir: __dirname,
  testTimeout: 120000,
};
