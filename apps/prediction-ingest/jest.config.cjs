module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'prediction-ingest',
  rootDir: __dirname,
  testTimeout: 120000,
};
