module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // Contract tests that only hold for the sandboxes run through these `it` aliases.
    'jest/no-standalone-expect': [
      'error',
      { additionalTestBlockFunctions: ['sandboxOnly'] },
    ],
  },
});
