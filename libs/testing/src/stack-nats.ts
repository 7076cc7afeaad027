import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inboxPrefixOf, subjects } from '@ledgerflow/contracts';
import { nkeyAuthenticator, nkeys, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

/**
 * The tool subjects of this repository's worker scripts, so an extra process given without `toolSubjects`
 * still gets a `tool-worker` identity limited to what it serves (see each script's tools).
 */
export const KNOWN_TOOL_SUBJECTS: Readonly<Record<string, readonly string[]>> = {
  'examples/bench/dist/workers.js': [subjects.tool('bench', '>')],
  'examples/claim-review/dist/workers.js': ['documents', 'policy_admin', 'fraud', 'billing'].map((tool) =>
    subjects.tool(tool, '>'),
  ),
  'services/approval/src/fixtures/confidence-worker.mjs': [subjects.tool('fixture', '>')],
};

/**
 * Generates the stack's NATS users into `dir` with the product's own command (`ledgerflow nats credentials`,
 * from the built `tools/cli/dist/main.js`): one seed file per principal (`<name>.nk`) and `nats-server.conf`.
 * @throws Error with the command's output when it fails (e.g. the CLI is not built, or a tool subject is invalid).
 */
export async function generateStackCredentials(
  root: string,
  dir: string,
  toolWorkers: Readonly<Record<string, readonly string[]>>,
): Promise<string> {
  const args = [join(root, 'tools/cli/dist/main.js'), 'nats', 'credentials', '--out', dir];
  for (const [name, subjects] of Object.entries(toolWorkers))
    args.push('--tool-worker', `${name}=${subjects.join(',')}`);
  try {
    await promisify(execFile)(process.execPath, args, { cwd: root });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(
      `ledgerflow nats credentials failed (build first: npx tsc -b tsconfig.build.json): ${stderr ?? ''}${stdout ?? ''}`,
    );
  }
  return join(dir, 'nats-server.conf');
}

/** The seed file of `user` in a credentials directory. */
export const seedFileOf = (dir: string, user: string): string => join(dir, `${user}.nk`);

/**
 * Connects to `url` as `user`, with its seed from `dir` and its own inbox prefix (the only inbox its
 * permissions let it read).
 * @throws Error when `dir` holds no seed for `user`; the client's AuthorizationError when refused.
 */
export async function connectAs(url: string, dir: string, user: string): Promise<NatsConnection> {
  let seed: Uint8Array;
  try {
    seed = new TextEncoder().encode((await readFile(seedFileOf(dir, user), 'utf8')).trim());
  } catch {
    throw new Error(`no NATS user "${user}" in this stack (known: admin, publisher, the services, the tool workers)`);
  }
  // A dial that times out (a 2-core machine busy starting a dozen processes) is tried again, twice.
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect({
        servers: url,
        name: `test-${user}`,
        authenticator: nkeyAuthenticator(seed),
        inboxPrefix: inboxPrefixOf(nkeys.fromSeed(seed).getPublicKey()),
      });
    } catch (error) {
      if (attempt >= 3 || !/timeout/i.test(String((error as Error).message ?? error))) throw error;
    }
  }
}
