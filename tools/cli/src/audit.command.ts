import { anchorVerifyKeyOf, HASH_PATTERN, parseAuditExport, verifyAuditExport } from '@ledgerflow/audit';
import type { AuditExport } from '@ledgerflow/audit';
import { LedgerflowError } from '@ledgerflow/domain';
import type { KeyObject } from 'node:crypto';
import { stringOption, UsageError } from './args.js';
import type { ParsedArgs } from './args.js';
import { ANCHOR_VERIFY_KEY_ENV, checkAnchor, checkBus, readArgumentFile } from './audit-anchor.js';
import { auditAnchorCommand } from './audit-anchor.command.js';
import { connectAuditBus } from './audit-bus.js';
import type { AuditBusConnector } from './audit-bus.js';
import type { CliCommand, CliIo } from './command.js';

/**
 * `ledgerflow audit verify <file> [--head <hash>] [--allow-legacy-prefix] [--anchor <file> [--anchor-key <pem>]] [--bus]`:
 * checks a run's audit export (`GET /v1/runs/{id}/audit`, format `ledgerflow-audit/1`) offline: its shape (JSON
 * Schema), every event's hash and link to the one before it, and the chain head against the export's `head` and,
 * with `--head`, one obtained independently.
 * Prints `ok: N events, chain head <hash>` (exit 0), or `first failure: event #<revision> (<eventId>): <reason>`
 * (exit 1; also for a file that is not JSON or not an export). Events without a hash at the start of the stream
 * (a run older than the audit trail, or a downgrade that stripped the hashes) fail unless `--allow-legacy-prefix`
 * is given: the chain cannot vouch for them.
 * A chain rewritten consistently (every hash recomputed) passes these; two external anchors catch it:
 * - `--anchor <file>`: a signed anchor of the run's stream (`ledgerflow audit anchor --out`), checked with the
 *   Ed25519 public key (SPKI PEM) in `--anchor-key <file>` or `LEDGERFLOW_ANCHOR_VERIFY_KEY` (PEM text): the export
 *   must reach the anchored revision and have exactly the anchored hash there.
 * - `--bus`: every event must have the same hash as the relay's copy in JetStream `LF_EVENTS`, which must hold no
 *   revision after the export's last (NATS_URL and NATS credentials, see `connectAuditBus`).
 * Each check prints one line; the first failure exits 1. Exit 2: usage errors (no file, unknown option, a
 * malformed `--head`, an unreadable file, `--anchor` without a key, a key that is not an Ed25519 public key).
 */

const usage =
  'audit verify <file> [--head <sha256-hex>] [--allow-legacy-prefix] [--anchor <anchor.json> --anchor-key <spki.pem>] [--bus]';

function usageError(io: CliIo, message: string): number {
  io.err(`error: ${message}\nusage: ledgerflow ${usage}\n`);
  return 2;
}

interface VerifyRequest {
  readonly file: string;
  readonly head?: string;
  readonly allowLegacyPrefix: boolean;
  readonly anchor?: { readonly file: string; readonly text: string; readonly keys: readonly KeyObject[] };
  readonly bus: boolean;
}

/** @throws UsageError for each rule of the command line (see the command's docstring). */
async function requestOf(args: ParsedArgs, env: CliIo['env']): Promise<VerifyRequest> {
  const { positional, options } = args;
  const file = positional[0] as string;
  const head = stringOption(args, 'head');
  if (head !== undefined && !HASH_PATTERN.test(head))
    throw new UsageError('--head needs a SHA-256 hash: 64 lower-case hex characters');
  const anchorFile = stringOption(args, 'anchor');
  const keyFile = stringOption(args, 'anchor-key');
  if (keyFile !== undefined && anchorFile === undefined)
    throw new UsageError('--anchor-key goes with --anchor <anchor.json>');
  let anchor: VerifyRequest['anchor'];
  if (anchorFile !== undefined) {
    const pem = keyFile !== undefined ? await readArgumentFile(keyFile) : env[ANCHOR_VERIFY_KEY_ENV];
    if (!pem)
      throw new UsageError(`--anchor needs the anchor verify key: --anchor-key <spki.pem> or ${ANCHOR_VERIFY_KEY_ENV}`);
    try {
      anchor = { file: anchorFile, text: '', keys: [anchorVerifyKeyOf(pem)] };
    } catch (error) {
      throw new UsageError(`${keyFile ?? ANCHOR_VERIFY_KEY_ENV}: ${(error as Error).message}`);
    }
    anchor = { ...anchor, text: await readArgumentFile(anchorFile) };
  }
  return {
    file,
    allowLegacyPrefix: options.has('allow-legacy-prefix'),
    bus: options.has('bus'),
    ...(head ? { head } : {}),
    ...(anchor ? { anchor } : {}),
  };
}

async function verify(args: ParsedArgs, io: CliIo, connect: AuditBusConnector): Promise<number> {
  let request: VerifyRequest;
  let text: string;
  try {
    request = await requestOf(args, io.env);
    text = await readArgumentFile(request.file);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message);
    throw error;
  }
  const { file, head, allowLegacyPrefix } = request;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    io.out(`invalid export: ${file} is not JSON: ${(error as Error).message}\n`);
    return 1;
  }
  let doc: AuditExport;
  let result;
  try {
    doc = parseAuditExport(parsed);
    result = verifyAuditExport(doc, head);
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
    io.out(
      `first failure: the first ${result.unhashed} of ${result.count} events carry no hash, so nothing vouches for them ` +
        '(hashes stripped, or a run older than the audit trail); pass --allow-legacy-prefix only for a run known to predate it\n',
    );
    return 1;
  }
  io.out(`ok: ${result.count} events, chain head ${result.head ?? 'none'}\n`);
  if (result.unhashed > 0) {
    io.out(
      `note: the first ${result.unhashed} events were appended before the audit trail existed and carry no hash (--allow-legacy-prefix); the chain covers the rest\n`,
    );
  }
  if (request.anchor && checkAnchor(doc, request.anchor, io) !== 0) return 1;
  return request.bus ? checkBus(doc, connect, io) : 0;
}

/** `audit verify`, reading the bus (for `--bus`) through `connect`. */
export function auditVerifyCommandWith(connect: AuditBusConnector): CliCommand {
  return {
    path: ['audit', 'verify'],
    usage,
    arguments: [{ name: '<file>', description: 'the export (ledgerflow audit export, or GET /v1/runs/{id}/audit)' }],
    options: [
      { flags: '--head <sha256-hex>', description: 'a chain head obtained independently: the export must end there' },
      {
        flags: '--allow-legacy-prefix',
        description: 'accept events without a hash at the start (runs older than the audit trail)',
      },
      { flags: '--anchor <anchor.json>', description: 'a signed anchor of the run (ledgerflow audit anchor --out)' },
      { flags: '--anchor-key <spki.pem>', description: `the anchor verify key (default ${ANCHOR_VERIFY_KEY_ENV})` },
      { flags: '--bus', description: "compare every event with the relay's copy in JetStream LF_EVENTS" },
    ],
    details: 'Exit codes: 0 every check passed, 1 a check failed (the first failing event is named), 2 usage errors.',
    summary:
      "Verify a run's audit export (offline, or against an anchor or the bus); names the first event that does not verify",
    run: (args, io) => verify(args, io, connect),
  };
}

export const auditVerifyCommand: CliCommand = auditVerifyCommandWith(connectAuditBus);

/** The audit commands, reading the bus through `connect` (tests pass a stand-in), for `runCli`. */
export const auditCommandsWith = (connect: AuditBusConnector): CliCommand[] => [
  auditVerifyCommandWith(connect),
  auditAnchorCommand(connect),
];

/** The audit commands, for `runCli`. */
export const auditCommands: CliCommand[] = auditCommandsWith(connectAuditBus);
