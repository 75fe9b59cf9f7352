module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'prediction-intake',
  rootDir: __dirname,
};
