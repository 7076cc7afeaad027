export * from './canonical-json.js';
export * from './event-hash.js';
export * from './verify-chain.js';
export * from './audit-export.js';
export * from './input-digest.js';
export * from './anchor-keys.js';
export * from './anchor.js';
export * from './anchor-check.js';
