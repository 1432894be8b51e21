/** Unit specs sit beside the code; e2e and reliability suites live under test/. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  projects: [
    { displayName: 'unit', testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/sdk/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'] },
    { displayName: 'e2e', testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts', '<rootDir>/test/reliability/**/*.e2e-spec.ts'] },
  ],
};
