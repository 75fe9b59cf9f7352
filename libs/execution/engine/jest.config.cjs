module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'execution-engine',
  rootDir: __dirname,
};
