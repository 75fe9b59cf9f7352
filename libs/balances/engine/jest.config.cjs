module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'balances-engine',
  rootDir: __dirname,
};
