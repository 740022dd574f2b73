/*
 * The cross-package suites live in folders by purpose (contract/, bench/, ...) rather than
 * under src/, which is where the Backstage CLI's default jest config looks. Having our own
 * config file makes the CLI use it instead; it mirrors the CLI's Node.js transforms so that
 * ESM-only dependencies (for example @kubernetes/client-node 2.x) are transpiled the same way.
 */
const swcTransform = require.resolve(
  '@backstage/cli-module-test-jest/config/jestSwcTransform',
);

const moduleOptions = {
  module: { ignoreDynamic: true, exportInteropAnnotation: true },
};

module.exports = {
  rootDir: __dirname,
  testEnvironment: require.resolve('jest-environment-node'),
  testMatch: ['**/*.test.{ts,js,mts,cts,mjs,cjs}'],
  testPathIgnorePatterns: ['/node_modules/'],
  moduleFileExtensions: [
    'ts',
    'js',
    'mts',
    'cts',
    'mjs',
    'cjs',
    'json',
    'node',
  ],
  transform: {
    '\\.(mjs|cjs|js)$': [
      swcTransform,
      { ...moduleOptions, jsc: { parser: { syntax: 'ecmascript' } } },
    ],
    '\\.(mts|cts|ts)$': [
      swcTransform,
      { ...moduleOptions, jsc: { parser: { syntax: 'typescript' } } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?:jest-.*|typescript)/'],
};
