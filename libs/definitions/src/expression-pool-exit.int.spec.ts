import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeDir, repoRoot, tempDir } from '@ledgerflow/testing';

const run = promisify(execFile);

/**
 * A process whose only pending work is an expression (a CLI evaluating a golden set's JSONata matcher once its runs
 * ended) waits for it: the pool keeps the worker it starts for that expression referenced while it loads. It used to
 * unreference it at once, and such a process exited with code 13 (an unsettled top-level await) before the answer.
 */
describe('ExpressionPool in a process with nothing else pending', () => {
  it('answers the first expression before the process may exit', async () => {
    const pool = join(repoRoot(), 'libs/definitions/dist/expression-pool.js');
    const script = [
      `import { ExpressionPool } from ${JSON.stringify(pool)};`,
      `const [result] = await new ExpressionPool().evaluate(['1 + 1'], {});`,
      'process.stdout.write(JSON.stringify(result));',
    ].join('\n');
    const dir = await tempDir('lf-expression-exit-');
    try {
      const file = join(dir, 'evaluate-once.mjs');
      await writeFile(file, script);
      const { stdout } = await run(process.execPath, [file], { timeout: 20_000 });
      expect(JSON.parse(stdout)).toEqual({ ok: true, value: 2 });
    } finally {
      await removeDir(dir);
    }
  });
});
