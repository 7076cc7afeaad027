import { readFile } from 'node:fs/promises';
import { compareWithRelayCopy, parseSignedAnchor, verifyExportAgainstAnchor } from '@ledgerflow/audit';
import type { AnchorMismatch, AuditExport } from '@ledgerflow/audit';
import { runStreamId } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import type { KeyObject } from 'node:crypto';
import { UsageError } from './args.js';
import { readAuditBus } from './audit-bus.js';
import type { AuditBusConnector } from './audit-bus.js';
import type { CliIo } from './command.js';

/** The environment variable holding the anchor verify key (SPKI PEM text) when `--anchor-key` is not given. */
export const ANCHOR_VERIFY_KEY_ENV = 'LEDGERFLOW_ANCHOR_VERIFY_KEY';

/**
 * Reads a file the command was pointed at.
 * @throws UsageError naming the file and the system error code (exit 2).
 */
export async function readArgumentFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The failure line every audit check prints: the event when there is one, else the check. */
export function failureLine(failure: Pick<AnchorMismatch, 'revision' | 'eventId' | 'message'>, check: string): string {
  return failure.revision !== undefined && failure.eventId !== undefined
    ? `first failure: event #${failure.revision} (${failure.eventId}): ${failure.message}\n`
    : `${check} failure: ${failure.message}\n`;
}

/**
 * `--anchor`: checks the export against a signed anchor (`text` of `file`, from `ledgerflow audit anchor --out`)
 * with `keys`. Prints one line and returns 0 (matched) or 1 (the anchor is not JSON, not an anchor, not vouched
 * for by the keys, or the export does not reach or match it).
 */
export function checkAnchor(
  doc: AuditExport,
  { file, text, keys }: { file: string; text: string; keys: readonly KeyObject[] },
  io: CliIo,
): number {
  let anchor;
  try {
    anchor = parseSignedAnchor(JSON.parse(text));
  } catch (error) {
    if (!(error instanceof SyntaxError) && !(error instanceof LedgerflowError)) throw error;
    io.out(`invalid anchor: ${error instanceof SyntaxError ? `${file} is not JSON: ` : ''}${error.message}\n`);
    return 1;
  }
  const result = verifyExportAgainstAnchor(doc, anchor, keys);
  if (!result.ok) {
    io.out(failureLine(result, 'anchor'));
    return 1;
  }
  io.out(
    `ok: anchored at revision ${result.revision} (hash ${result.hash}) at ${result.anchoredAt}, signed by key ${result.kid}` +
      `${result.after > 0 ? `; the ${result.after} events after it are covered by the chain only` : ''}\n`,
  );
  return 0;
}

/**
 * `--bus`: compares the export with the relay's copy of the run in `LF_EVENTS` (see `compareWithRelayCopy`).
 * Prints one line (and a note on revisions `LF_EVENTS` no longer holds) and returns 0, or 1 when a revision
 * differs, the bus holds more, or the bus cannot be read.
 */
export async function checkBus(doc: AuditExport, connect: AuditBusConnector, io: CliIo): Promise<number> {
  const streamId = runStreamId(doc.runId);
  let relayed;
  try {
    relayed = await readAuditBus(connect, io.env, (bus) => bus.relayedEvents(streamId));
  } catch (error) {
    io.out(`bus failure: cannot read the relay's copy of ${streamId} from LF_EVENTS: ${(error as Error).message}\n`);
    return 1;
  }
  const result = compareWithRelayCopy(doc, relayed);
  if (!result.ok) {
    io.out(failureLine(result, 'bus'));
    return 1;
  }
  io.out(`ok: ${result.compared} events match the relay's copy in LF_EVENTS\n`);
  if (result.missing.length > 0) {
    io.out(
      `note: LF_EVENTS holds no copy of ${result.missing.length} events (#${result.missing.join(', #')}): past its max age, or not relayed yet; nothing vouches for them there\n`,
    );
  }
  return 0;
}
