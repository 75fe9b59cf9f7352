module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'venue-accounts',
  rootDir: __dirname,
};
