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
    '^@ledgerflow/contracts/pages$': '<rootDir>/libs/contracts/src/pages.ts',
    '^@ledgerflow/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    // SWC strips the types (tsc checks them in `make typecheck`): 15-20% less CPU than ts-jest on the unit tier.
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          // NestJS reads constructor parameter types from decorator metadata, as tsconfig's emitDecoratorMetadata.
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
          target: 'es2023',
        },
        module: { type: 'es6' },
      },
    ],
  },
  testMatch: ['<rootDir>/{libs,services,examples,tools}/*/src/**/*.spec.ts', '<rootDir>/deploy/checks/**/*.spec.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
