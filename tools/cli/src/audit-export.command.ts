import { writeFile } from 'node:fs/promises';
import { AUDIT_FORMAT, parseAuditExport, verifyAuditExport } from '@ledgerflow/audit';
import { LedgerflowError } from '@ledgerflow/domain';
import { stringOption, UsageError } from './args.js';
import type { ParsedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { callGateway } from './gateway-call.js';

/**
 * `ledgerflow audit export <runId> [--out <file>]`: a run's audit trail from the gateway (`GET /v1/runs/{id}/audit`,
 * scope `audit:read`) in the `ledgerflow-audit/1` format of `@ledgerflow/audit` (docs/security.md): `{ format,
 * runId, exportedAt, head, events }`, every stored event with its hash and the hash of the one before it, written as
 * indented JSON to `--out` or to stdout. Before writing, the answer is checked as `ledgerflow audit verify` does
 * offline (shape, every hash, every link, the head); one line on stderr (stdout with `--out`) says what was
 * exported: `<N> events of run <runId>, chain head <hash>`, or the first event that does not verify.
 * Exit codes: 0 exported and verified; 1 the gateway refused or could not be reached, the answer is not an export
 * (nothing written), or the chain does not verify (written anyway, as evidence; the first failure is named);
 * 2 usage errors (no run id, an unwritable `--out`).
 */
async function exportAudit(args: ParsedArgs, io: CliIo): Promise<number> {
  const runId = args.positional[0] as string;
  const out = stringOption(args, 'out');
  const result = await callGateway(io, 'GET', `/v1/runs/${encodeURIComponent(runId)}/audit`);
  if (!result.ok) return 1;
  let verification;
  try {
    verification = verifyAuditExport(parseAuditExport(result.value));
  } catch (error) {
    if (!(error instanceof LedgerflowError)) throw error;
    io.err(`error: the gateway's answer is not a ${AUDIT_FORMAT} export: ${error.message}\n`);
    return 1;
  }
  const json = `${JSON.stringify(result.value, null, 2)}\n`;
  if (out === undefined) io.out(json);
  else {
    try {
      await writeFile(out, json);
    } catch (error) {
      throw new UsageError(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  const report = out === undefined ? io.err : io.out;
  const where = out === undefined ? '' : ` to ${out}`;
  if (!verification.ok) {
    report(
      `exported run ${runId}${where}, but it does not verify: first failure: event #${verification.revision} (${verification.eventId}): ${verification.message}\n`,
    );
    return 1;
  }
  const legacy =
    verification.unhashed > 0 ? ` (the first ${verification.unhashed} carry no hash: older than the audit trail)` : '';
  report(
    `exported ${verification.count} events of run ${runId}${where}${legacy}, chain head ${verification.head ?? 'none'}\n`,
  );
  return 0;
}

/** `audit export`, for `runCli`. */
export const auditExportCommand: CliCommand = {
  path: ['audit', 'export'],
  usage: 'audit export <runId> [--out <file>]',
  summary: `Export a run's events with their hash chain (${AUDIT_FORMAT}) for offline verification`,
  arguments: [{ name: '<runId>', description: 'the run' }],
  options: [{ flags: '--out <file>', description: 'write the export there (default stdout)' }],
  details:
    'Needs LEDGERFLOW_TOKEN (scope audit:read). Check the file later with `ledgerflow audit verify <file>`.\n' +
    'Exit codes: 0 exported and verified, 1 the gateway refused, the answer is not an export, or the chain does not verify (the file is still written), 2 usage errors.',
  run: exportAudit,
};
