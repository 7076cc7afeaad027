import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startNatsServer } from './nats-server.js';
import { spawnProcess } from './spawn-process.js';
import type { ManagedProcess } from './spawn-process.js';
import { repoRoot } from './stack.js';
import { tempDir } from './temp-dir.js';

/**
 * Starts the built planner (`services/planner/dist/main.js`) alone on `definitionsDir`, with its own nats-server
 * (no authorization) and fresh data files, runs `check` on the process (e.g. that it exits 78 naming a file), and
 * stops nats-server. For tests of what the planner refuses at start.
 */
export async function withPlannerAlone(
  definitionsDir: string,
  check: (planner: ManagedProcess) => Promise<void>,
): Promise<void> {
  const data = await tempDir('ledgerflow-planner-alone-');
  const nats = await startNatsServer();
  try {
    const planner = await spawnProcess({
      name: 'planner',
      command: process.execPath,
      args: [join(repoRoot(), 'services/planner/dist/main.js')],
      cwd: repoRoot(),
      env: {
        NATS_URL: nats.url,
        LEDGERFLOW_DEFINITIONS_DIR: definitionsDir,
        LEDGERFLOW_SQLITE_PATH: join(data, 'store.db'),
        LEDGERFLOW_VAULT_PATH: join(data, 'vault.db'),
        LEDGERFLOW_PII_KEY: randomBytes(32).toString('base64'),
        LEDGERFLOW_AUTH_SECRET: 'a-development-secret-of-at-least-32-chars',
      },
    });
    try {
      await check(planner);
    } finally {
      await planner.stop();
    }
  } finally {
    await nats.stop();
  }
}
