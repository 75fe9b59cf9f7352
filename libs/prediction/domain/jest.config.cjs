module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'prediction-domain',
  rootDir: __dirname,
};
