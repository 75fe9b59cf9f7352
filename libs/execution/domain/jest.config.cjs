module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'execution-domain',
  rootDir: __dirname,
};
