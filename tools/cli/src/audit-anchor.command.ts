import { writeFile } from 'node:fs/promises';
import { parseSignedAnchor } from '@ledgerflow/audit';
import { runStreamId } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { parseValuedArgs, UsageError } from './args.js';
import { readAuditBus } from './audit-bus.js';
import type { AuditBusConnector } from './audit-bus.js';
import type { CliCommand, CliIo } from './command.js';

const usage = 'audit anchor <runId> [--out <file>]';

/**
 * `ledgerflow audit anchor <runId> [--out <file>]`: fetches the latest signed anchor of stream `run-<runId>` from
 * JetStream `LF_ANCHORS` (NATS_URL and NATS credentials, see `connectAuditBus`) and prints it as JSON, or writes it
 * to `--out` and prints one line naming its revision, hash and key id. Keep it apart from the export it vouches
 * for, then `ledgerflow audit verify <export> --anchor <file> --anchor-key <spki.pem>`. The signature is not
 * checked here (that needs the verify key). Exit 1: no anchor of that run, the bus cannot be read, or its message
 * is not an anchor; exit 2: usage errors (no run id, unknown option, an unwritable `--out`).
 */
async function anchor(args: readonly string[], io: CliIo, connect: AuditBusConnector): Promise<number> {
  let runId: string;
  let out: string | undefined;
  try {
    const { positional, options } = parseValuedArgs(args, ['out']);
    if (positional[0] === undefined) throw new UsageError('the run id is missing');
    if (positional[1] !== undefined) throw new UsageError(`unexpected argument ${positional[1]}`);
    [runId, out] = [positional[0], options.get('out')];
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`error: ${error.message}\nusage: ledgerflow ${usage}\n`);
    return 2;
  }
  const streamId = runStreamId(runId);
  let value: unknown;
  try {
    value = await readAuditBus(connect, io.env, (bus) => bus.latestAnchor(streamId));
  } catch (error) {
    io.out(`bus failure: cannot read the anchors of ${streamId} from LF_ANCHORS: ${(error as Error).message}\n`);
    return 1;
  }
  if (value === undefined) {
    io.out(
      `no anchor of ${streamId} in LF_ANCHORS: the run is unknown, its anchors expired, or no planner publishes anchors (LEDGERFLOW_ANCHOR_SIGNING_KEY)\n`,
    );
    return 1;
  }
  let signed;
  try {
    signed = parseSignedAnchor(value);
  } catch (error) {
    if (!(error instanceof LedgerflowError)) throw error;
    io.out(`invalid anchor in LF_ANCHORS: ${error.message}\n`);
    return 1;
  }
  const json = `${JSON.stringify(signed, null, 2)}\n`;
  if (out === undefined) {
    io.out(json);
    return 0;
  }
  try {
    await writeFile(out, json);
  } catch (error) {
    io.err(
      `error: cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\nusage: ledgerflow ${usage}\n`,
    );
    return 2;
  }
  io.out(
    `anchor of ${streamId} at revision ${signed.revision} (hash ${signed.hash}, position ${signed.position}, ${signed.anchoredAt}, key ${signed.kid}) written to ${out}\n`,
  );
  return 0;
}

/** `audit anchor`, reading the bus through `connect`. */
export const auditAnchorCommand = (connect: AuditBusConnector): CliCommand => ({
  path: ['audit', 'anchor'],
  usage,
  summary: "Fetch the latest signed anchor of a run's stream from LF_ANCHORS (for audit verify --anchor)",
  run: (args, io) => anchor(args, io, connect),
});
