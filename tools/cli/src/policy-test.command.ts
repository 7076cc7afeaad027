import { LedgerflowError } from '@ledgerflow/domain';
import { loadPolicyCases, loadPolicyPacks, runPolicyCases } from '@ledgerflow/policy-engine';
import type { PolicyCase, PolicyPackSet } from '@ledgerflow/policy-engine';
import type { ParsedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';

const USAGE = 'policy test <pack-dir> <cases.yaml>';

/**
 * `ledgerflow policy test <pack-dir> <cases.yaml>`: loads the packs of `<pack-dir>` (comma-separate several
 * directories; the built-in `ledgerflow-core@1.0.0` is always added), evaluates every case of the cases
 * file and compares each decision with its `expect` (docs/policies.md, "Testing packs").
 * Prints one line per case (and its mismatches) and a summary. Exit codes: 0 every case passed, 1 a case
 * mismatched, 2 wrong arguments or a pack or cases file that cannot be loaded (the message names the file).
 */
export const policyTestCommand: CliCommand = {
  path: ['policy', 'test'],
  usage: USAGE,
  summary: 'Evaluate declared policy cases against packs; exit 1 on a mismatch',
  arguments: [
    { name: '<pack-dir>', description: 'the directory of the packs (comma-separate several)' },
    { name: '<cases.yaml>', description: 'the cases, each with its expected decision (docs/policies.md)' },
  ],
  details:
    'Exit codes: 0 every case passed, 1 a case mismatched, 2 usage errors or a pack or cases file that does not load.',
  async run({ positional }: ParsedArgs, io: CliIo): Promise<number> {
    const [packDirs, casesFile] = [(positional[0] as string).split(',').filter(Boolean), positional[1] as string];
    let packs: PolicyPackSet;
    let cases: PolicyCase[];
    try {
      packs = loadPolicyPacks(packDirs);
      cases = loadPolicyCases(casesFile);
    } catch (error) {
      if (!(error instanceof LedgerflowError)) throw error;
      io.err(`ledgerflow policy test: ${error.code}: ${error.message}\n`);
      return 2;
    }
    io.out(
      `${cases.length} case${cases.length === 1 ? '' : 's'} from ${casesFile}; packs: ${packs.packs.map((p) => `${p.id}@${p.version}`).join(', ')}\n`,
    );
    const report = runPolicyCases(packs, cases);
    for (const result of report.results) {
      io.out(`${result.passed ? 'pass' : 'FAIL'}  ${result.name} -> ${result.decision.outcome}\n`);
      for (const mismatch of result.mismatches) io.out(`      ${mismatch}\n`);
    }
    io.out(`${report.results.length} cases: ${report.passed} passed, ${report.failed} failed\n`);
    return report.failed === 0 ? 0 : 1;
  },
};
