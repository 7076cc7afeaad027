import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Ledgerflow installation the CLI runs from: the nearest directory above this file holding `nx.json` (from
 * `tools/cli/src` and `tools/cli/dist` alike), where `services/<name>/dist/main.js` are.
 * @throws Error when no such directory exists (a CLI copied out of its checkout).
 */
export function installRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the Ledgerflow installation (no nx.json above ${fileURLToPath(import.meta.url)})`);
    dir = parent;
  }
  return dir;
}
