import { readFile } from 'node:fs/promises';
import { HASH_PATTERN, parseAuditExport, verifyAuditExport } from '@ledgerflow/audit';
import { LedgerflowError } from '@ledgerflow/domain';
import type { CliCommand, CliIo } from './command.js';

/**
 * `ledgerflow audit verify <file> [--head <hash>] [--allow-legacy-prefix]`: checks a run's audit export (`GET /v1/runs/{id}/audit`,
 * format `ledgerflow-audit/1`) offline: its shape (JSON Schema), every event's hash and link to the one
 * before it, and the chain head against the export's `head` and, with `--head`, one obtained independently.
 * Prints `ok: N events, chain head <hash>` (exit 0), or `first failure: event #<revision> (<eventId>): <reason>`
 * (exit 1; also for a file that is not JSON or not an export). Events without a hash at the start of the stream
 * (a run older than the audit trail, or a downgrade that stripped the hashes) fail unless `--allow-legacy-prefix`
 * is given: the chain cannot vouch for them. Exit 2: usage errors (no file, unknown
 * option, a malformed `--head`, an unreadable file).
 */

const usage = 'audit verify <file> [--head <sha256-hex>] [--allow-legacy-prefix]';

function usageError(io: CliIo, message: string): number {
  io.err(`error: ${message}\nusage: ledgerflow ${usage}\n`);
  return 2;
}

async function verify(args: readonly string[], io: CliIo): Promise<number> {
  const positional: string[] = [];
  let head: string | undefined;
  let allowLegacyPrefix = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--allow-legacy-prefix') allowLegacyPrefix = true;
    else if (arg === '--head' || arg.startsWith('--head=')) {
      head = arg === '--head' ? args[++i] : arg.slice('--head='.length);
      if (head === undefined || !HASH_PATTERN.test(head)) return usageError(io, '--head needs a SHA-256 hash: 64 lower-case hex characters');
    } else if (arg.startsWith('--')) return usageError(io, `unknown option ${arg}`);
    else positional.push(arg);
  }
  const [file, extra] = positional;
  if (file === undefined) return usageError(io, 'the export file is missing');
  if (extra !== undefined) return usageError(io, `unexpected argument ${extra}`);

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return usageError(io, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    io.out(`invalid export: ${file} is not JSON: ${(error as Error).message}\n`);
    return 1;
  }
  let result;
  try {
    result = verifyAuditExport(parseAuditExport(parsed), head);
  } catch (error) {
    if (!(error instanceof LedgerflowError)) throw error;
    io.out(`invalid export: ${error.message}\n`);
    return 1;
  }
  if (!result.ok) {
    io.out(`first failure: event #${result.revision} (${result.eventId}): ${result.message}\n`);
    return 1;
  }
  if (result.unhashed > 0 && !allowLegacyPrefix) {
    // A downgrade (hashes stripped, head set to null, content edited) looks exactly like a run older than the audit trail.
    io.out(`first failure: the first ${result.unhashed} of ${result.count} events carry no hash, so nothing vouches for them ` +
      '(hashes stripped, or a run older than the audit trail); pass --allow-legacy-prefix only for a run known to predate it\n');
    return 1;
  }
  io.out(`ok: ${result.count} events, chain head ${result.head ?? 'none'}\n`);
  if (result.unhashed > 0) {
    io.out(`note: the first ${result.unhashed} events were appended before the audit trail existed and carry no hash (--allow-legacy-prefix); the chain covers the rest\n`);
  }
  return 0;
}

export const auditVerifyCommand: CliCommand = {
  path: ['audit', 'verify'],
  usage,
  summary: "Verify a run's audit export offline; names the first event that does not verify",
  run: verify,
};

/** The audit commands, for `runCli`. */
export const auditCommands: CliCommand[] = [auditVerifyCommand];
