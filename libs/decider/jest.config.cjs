module.exports = { ...require('../../jest.preset.cjs'), displayName: 'decider', rootDir: __dirname };
