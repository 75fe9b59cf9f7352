module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'pnl-domain', rootDir: __dirname };
