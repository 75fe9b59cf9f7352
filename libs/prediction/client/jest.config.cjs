module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'prediction-client',
  rootDir: __dirname,
};
