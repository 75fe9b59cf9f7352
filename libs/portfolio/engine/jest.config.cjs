module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'portfolio-engine',
  rootDir: __dirname,
};
