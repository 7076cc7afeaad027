import { stringOption, UsageError } from './args.js';
import { callGateway } from './gateway-call.js';
import { listAll } from './gateway-pages.js';
import type { CliCommand, CliIo } from './command.js';

/**
 * `ledgerflow gates list|approve|reject`: reviewers' gate commands against the gateway's HTTP API
 * (`GET /v1/gates`, `POST /v1/gates/{id}/decision`). The gateway is `LEDGERFLOW_URL` (default
 * `http://127.0.0.1:8080`); the reviewer's bearer token (a JWT, see docs/policies.md) is `LEDGERFLOW_TOKEN`.
 * Exit codes: 0 done, 1 the gateway refused or could not be reached (its error code and message are printed),
 * 2 usage errors (unknown option, missing id or token).
 */

export { DEFAULT_GATEWAY_URL } from './gateway-call.js';

interface GateRow {
  gateId: string;
  stepId: string;
  status: string;
  reviewers: string[];
  reason: string;
  dueAt?: string;
  level?: number;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function requireToken(io: CliIo): string {
  const token = io.env.LEDGERFLOW_TOKEN;
  if (!token) throw new UsageError('LEDGERFLOW_TOKEN is not set: export your reviewer bearer token (a JWT) first');
  return token;
}

const EXIT_CODES = 'Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 usage errors.';

export const gatesListCommand: CliCommand = {
  path: ['gates', 'list'],
  usage: 'gates list [--status open|approved|rejected|redirected|all] [--mine]',
  summary: 'List gates (default: open ones); --mine: those your token may decide',
  options: [
    { flags: '--status <status>', description: 'open (default), approved, rejected, redirected or all' },
    { flags: '--mine', description: 'only the gates your token (LEDGERFLOW_TOKEN) may decide' },
  ],
  details: EXIT_CODES,
  async run(args, io) {
    const status = stringOption(args, 'status') ?? 'open';
    const mine = args.options.has('mine');
    const query = new URLSearchParams({
      ...(status === 'all' ? {} : { status }),
      ...(mine ? { reviewer: 'me' } : {}),
    });
    const search = query.toString();
    const token = mine ? requireToken(io) : io.env.LEDGERFLOW_TOKEN;
    const listed = await listAll<GateRow>(io, `/v1/gates${search ? `?${search}` : ''}`, token ? { token } : {});
    if (listed === undefined) return 1;
    const gates = listed.items;
    if (gates.length === 0) {
      io.out(`no ${status === 'all' ? '' : `${status} `}gates${mine ? ' for you' : ''}\n`);
      return 0;
    }
    io.out(
      formatTable(
        ['GATE', 'STEP', 'STATUS', 'REVIEWERS', 'DUE', 'REASON'],
        gates.map((gate) => [
          gate.gateId,
          gate.stepId,
          gate.level ? `${gate.status} (escalated ${gate.level})` : gate.status,
          gate.reviewers.join(','),
          gate.dueAt ?? '-',
          gate.reason,
        ]),
      ),
    );
    return 0;
  },
};

function decisionCommand(outcome: 'approve' | 'reject'): CliCommand {
  return {
    path: ['gates', outcome],
    usage: `gates ${outcome} <gate-id> [--comment <text>]`,
    summary:
      outcome === 'approve' ? 'Approve a gate you are named on' : 'Reject a gate you are named on (its run fails)',
    arguments: [{ name: '<gate-id>', description: 'the gate, <runId>.<stepId> (gates list shows them)' }],
    options: [{ flags: '--comment <text>', description: 'recorded with the decision' }],
    details: EXIT_CODES,
    async run(args, io) {
      const gateId = args.positional[0] as string;
      const token = requireToken(io);
      const comment = stringOption(args, 'comment');
      const result = await callGateway(
        io,
        'POST',
        `/v1/gates/${encodeURIComponent(gateId)}/decision`,
        { outcome, ...(comment === undefined ? {} : { comment }) },
        token,
      );
      if (!result.ok) return 1;
      const value = result.value as { gateId: string; outcome: string; runId: string };
      io.out(`gate ${value.gateId} ${value.outcome} (run ${value.runId})\n`);
      return 0;
    },
  };
}

/** The gate commands, for `runCli`. */
export const gatesCommands: CliCommand[] = [gatesListCommand, decisionCommand('approve'), decisionCommand('reject')];
