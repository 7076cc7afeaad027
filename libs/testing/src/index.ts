export * from './free-port.js';
export * from './temp-dir.js';
export * from './spawn-process.js';
export * from './nats-server.js';
export * from './stack.js';
export * from './tokens.js';
export * from './webhook-secrets.js';
export * from './eventually.js';
