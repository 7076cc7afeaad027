export * from './bearer-verifier.js';
export * from './principal.js';
export * from './auth.config.js';
export * from './dev-credentials.js';
