module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'venue-engine', rootDir: __dirname };
