import { writeFile } from 'node:fs/promises';
import { parseSignedAnchor } from '@ledgerflow/audit';
import { runStreamId } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { stringOption } from './args.js';
import type { ParsedArgs } from './args.js';
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
async function anchor(args: ParsedArgs, io: CliIo, connect: AuditBusConnector): Promise<number> {
  const runId = args.positional[0] as string;
  const out = stringOption(args, 'out');
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
  arguments: [{ name: '<runId>', description: 'the run' }],
  options: [{ flags: '--out <file>', description: 'write the anchor there instead of printing it' }],
  details:
    'Reads NATS_URL and the NATS credentials. Exit codes: 0 fetched, 1 no anchor or the bus cannot be read, 2 usage errors.',
  summary: "Fetch the latest signed anchor of a run's stream from LF_ANCHORS (for audit verify --anchor)",
  run: (args, io) => anchor(args, io, connect),
});
