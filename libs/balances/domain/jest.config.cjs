module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'balances-domain',
  rootDir: __dirname,
};
