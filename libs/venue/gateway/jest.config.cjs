module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'venue-gateway', rootDir: __dirname };
