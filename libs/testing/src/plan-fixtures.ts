// The plan builders live beside the types they build (libs/domain/src/testing.ts): one copy for every spec.
export { aPlan, aStep } from '@ledgerflow/domain/testing';
