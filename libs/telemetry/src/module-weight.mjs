// Module count and resident memory that importing one module adds to a fresh Node.js process (Node >= 23.5 for
// module.registerHooks; every file: module counted, CommonJS and ESM), for the figures in telemetry-sdk.ts.
// Usage, from a directory whose node_modules resolves <module>: node --expose-gc module-weight.mjs <module> [--start]
// --start also starts it: startTelemetry({ serviceName }) of @ledgerflow/telemetry, or new NodeSDK(...).start() of
// @opentelemetry/sdk-node, each configured by the OTEL_* variables of the environment.
import { createRequire, registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const [specifier, flag] = process.argv.slice(2);
const loaded = new Set();
registerHooks({
  load(url, context, next) {
    if (url.startsWith('file:')) loaded.add(url);
    return next(url, context);
  },
});
const rss = () => {
  globalThis.gc?.();
  return process.memoryUsage().rss;
};
const resolved = createRequire(`${process.cwd()}/`).resolve(specifier);
const before = rss();
const imported = await import(pathToFileURL(resolved).href);
if (flag === '--start' && imported.startTelemetry) await imported.startTelemetry({ serviceName: 'weight' });
if (flag === '--start' && imported.NodeSDK) new imported.NodeSDK({ serviceName: 'weight' }).start();
const after = rss();
console.log(
  `${specifier}${flag ? ` ${flag}` : ''}: ${loaded.size} modules, +${((after - before) / 2 ** 20).toFixed(1)} MiB resident`,
);
process.exit(0);
