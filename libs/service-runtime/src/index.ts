export * from './error-body.js';
export * from './json-wire.js';
export * from './rpc-body.pipe.js';
export * from './rpc-exception.filter.js';
export * from './run-repository.js';
export * from './run-service.js';
export * from './tokens.js';
export * from './durable-consumer.host.js';
