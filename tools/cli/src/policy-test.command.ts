import { LedgerflowError } from '@ledgerflow/domain';
import { loadPolicyCases, loadPolicyPacks, runPolicyCases } from '@ledgerflow/policy-engine';
import type { PolicyCase, PolicyPackSet } from '@ledgerflow/policy-engine';
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
  summary: 'evaluate declared policy cases against packs; exit 1 on a mismatch',
  async run(args: readonly string[], io: CliIo): Promise<number> {
    if (args.length !== 2 || args.some((a) => a.startsWith('-'))) {
      io.err(`usage: ledgerflow ${USAGE}\n`);
      return 2;
    }
    const [packDirs, casesFile] = [(args[0] as string).split(',').filter(Boolean), args[1] as string];
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
