module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'venue-domain', rootDir: __dirname };
