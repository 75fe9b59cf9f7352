module.exports = { ...require('../../jest.preset.cjs'), displayName: 'relay-lib', rootDir: __dirname };
