module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'venue-sim', rootDir: __dirname };
