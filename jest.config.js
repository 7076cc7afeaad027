/**
 * One Jest run for the whole workspace, in ESM mode (NestJS 12 is ESM-only).
 * Test tiers by file suffix: `*.unit.spec.ts` (pure), `*.int.spec.ts` (real nats-server / SQLite file),
 * `*.e2e.spec.ts` (services as separate OS processes). Libraries resolve to their TypeScript sources.
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@ledgerflow/domain/testing$': '<rootDir>/libs/domain/src/testing.ts',
    '^@ledgerflow/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testMatch: ['<rootDir>/{libs,services,examples,tools}/*/src/**/*.spec.ts', '<rootDir>/deploy/checks/**/*.spec.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
