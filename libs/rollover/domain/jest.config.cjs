module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'rollover-domain',
  rootDir: __dirname,
};
