module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'prediction-engine',
  rootDir: __dirname,
};
