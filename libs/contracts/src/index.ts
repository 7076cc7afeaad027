export * from './metadata.js';
export * from './subjects.js';
export * from './messages.js';
export * from './grants.js';
export * from './http-api.js';
export * from './auth.js';
export * from './nats-permissions.js';
export * from './workflow-events.js';
