module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'pnl-engine', rootDir: __dirname };
