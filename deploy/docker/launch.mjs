// Container entry point: runs one Ledgerflow process, chosen by the first argument or $SERVICE
// (gateway, planner, executor, policy, approval, memory, claim-review-workers), in THIS process: the
// entry module is imported, so there is no wrapper process, and SIGTERM reaches the service's own handler.
//
// Readiness: every Ledgerflow process prints `ledgerflow:ready <name>` on stdout once it serves. This
// launcher watches stdout for that line and then creates $LEDGERFLOW_READY_FILE (default
// /tmp/ledgerflow-ready); the compose health check and the Kubernetes readiness probe test for the file.
// On SIGTERM the file is removed first, so the process reports not-ready while it drains. A SIGTERM that
// arrives before the service is ready (its own handler is not installed yet) ends the process (exit 143).
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ENTRIES = {
  gateway: 'services/gateway/dist/main.js',
  planner: 'services/planner/dist/main.js',
  executor: 'services/executor/dist/main.js',
  policy: 'services/policy/dist/main.js',
  approval: 'services/approval/dist/main.js',
  memory: 'services/memory/dist/main.js',
  'claim-review-workers': 'examples/claim-review/dist/workers.js',
  // The command line, e.g. `ledgerflow nats credentials --out /credentials` (compose's one-shot init).
  ledgerflow: 'tools/cli/dist/main.js',
};

const fromArgument = process.argv[2] !== undefined;
const name = fromArgument ? process.argv[2] : process.env.SERVICE;
const entry = name === undefined ? undefined : ENTRIES[name];
if (entry === undefined) {
  process.stderr.write(
    `launch: unknown service '${name ?? ''}'; expected one of ${Object.keys(ENTRIES).join(', ')} (argument or SERVICE)\n`,
  );
  process.exit(64);
}

const readyFile = process.env.LEDGERFLOW_READY_FILE || '/tmp/ledgerflow-ready';
rmSync(readyFile, { force: true });
let ready = false;

const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (!ready && String(chunk).includes('ledgerflow:ready ')) {
    ready = true;
    writeFileSync(readyFile, `${name} ${new Date().toISOString()}\n`);
  }
  return write(chunk, ...rest);
};

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    rmSync(readyFile, { force: true });
    if (!ready) process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
  });
}

// Keep argv as if the entry module had been started directly (`node <entry> ...`).
const entryUrl = new URL(`../../${entry}`, import.meta.url);
process.argv.splice(1, fromArgument ? 2 : 1, fileURLToPath(entryUrl));
await import(entryUrl.href);
