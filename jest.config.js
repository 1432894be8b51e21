/** Three tiers: unit specs beside the code (no services), e2e (HTTP, real Postgres and Redis) and reliability (faults) under test/. */
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
// A few dependencies ship ESM only (Node 20 loads them through require(esm); Jest does not):
// let SWC turn them into CommonJS.
// The SP client libraries of test/clients (openid-client, oauth4webapi, jose 6) are ESM only too;
// a file is transformed when its path passes through one of these packages (jose 6 sits nested).
const esmOnly = ['content-disposition', 'openid-client', 'oauth4webapi', 'jose6'];
const transform = { '^.+\\.ts$': swc, [`node_modules/(${esmOnly.join('|')})/.+\\.js$`]: swc };
const transformIgnorePatterns = [`^(?!.*/node_modules/(${esmOnly.join('|')})/).*/node_modules/`];
// Kills what a test file left running when it ends (test/support/children.ts).
const setupFilesAfterEnv = ['<rootDir>/test/support/jest-setup.ts'];
module.exports = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/sdk/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts', '<rootDir>/test/clients/**/*.e2e-spec.ts'],
      setupFilesAfterEnv,
    },
    {
      displayName: 'reliability',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/reliability/**/*.e2e-spec.ts'],
      setupFilesAfterEnv,
    },
  ],
};
