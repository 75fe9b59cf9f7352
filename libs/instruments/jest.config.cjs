module.exports = { ...require('../../jest.preset.cjs'), displayName: 'instruments', rootDir: __dirname };
