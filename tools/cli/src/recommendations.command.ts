import type { RecommendationView } from '@ledgerflow/contracts';
import { stringOption, UsageError } from './args.js';
import type { CliCommand } from './command.js';
import { formatTable } from './gates.command.js';
import { callGateway } from './gateway-call.js';
import { listAll } from './gateway-pages.js';

/**
 * `ledgerflow recommendations list|accept|reject`: what memory proposes for a workflow (docs/memory.md) and a
 * person's decision on it, through `GET /v1/workflows/{id}/recommendations` (scope `runs:read`) and
 * `POST /v1/recommendations/{id}/accept|reject` (scope `workflows:write`, recorded in the token's name). The token is
 * `LEDGERFLOW_TOKEN`. Exit codes: 0 done, 1 the gateway refused (e.g. 404 recommendation_not_found, 409
 * recommendation_already_decided) or could not be reached, 2 usage errors.
 */

const EXIT_CODES = 'Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 usage errors.';
const STATUSES = ['proposed', 'accepted', 'rejected', 'applied'] as const;

/** `k=v` pairs of a figures record (`successRate=0.97`), numbers shortened to 3 decimals. */
const figuresOf = (figures: Readonly<Record<string, number>> | undefined): string =>
  Object.entries(figures ?? {})
    .map(([name, value]) => `${name}=${Number.isInteger(value) ? value : value.toFixed(3)}`)
    .join(' ') || '-';

/** The measured impact as `successRate 0.80 -> 0.97 (20 -> 12 runs)`, or `-` before it is measured. */
function impactOf(view: RecommendationView): string {
  const impact = view.impact;
  if (!impact) return '-';
  const { before, after } = impact;
  return `successRate ${before.successRate.toFixed(2)} -> ${after.successRate.toFixed(2)} (${before.runs} -> ${after.runs} runs)`;
}

/** One row per recommendation: id, status, kind, evidence, projected effect, measured impact, summary. */
export function formatRecommendations(views: readonly RecommendationView[]): string {
  return formatTable(
    ['ID', 'STATUS', 'KIND', 'EVIDENCE', 'PROJECTED', 'MEASURED', 'SUMMARY'],
    views.map((view) => [
      view.recommendationId,
      view.status,
      view.kind,
      `${view.evidence.occurrences}/${view.evidence.runs} runs${view.evidence.succeeded === undefined ? '' : `, ${view.evidence.succeeded} ok`}`,
      figuresOf(view.projectedEffect),
      impactOf(view),
      view.summary,
    ]),
  );
}

const list: CliCommand = {
  path: ['recommendations', 'list'],
  usage: 'recommendations list <workflow> [--status proposed|accepted|rejected|applied] [--json]',
  summary: "A workflow's recommendations, oldest first, with evidence, projected effect and measured impact",
  arguments: [{ name: '<workflow>', description: 'the workflow id' }],
  options: [
    { flags: '--status <status>', description: `only those with this status: ${STATUSES.join(', ')}` },
    { flags: '--json', description: 'print them as JSON' },
  ],
  details: `Needs LEDGERFLOW_TOKEN (scope runs:read).\n${EXIT_CODES}`,
  async run(args, io) {
    const workflowId = args.positional[0] as string;
    const status = stringOption(args, 'status');
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got ${status}`);
    const query = status === undefined ? '' : `?${new URLSearchParams({ status }).toString()}`;
    const path = `/v1/workflows/${encodeURIComponent(workflowId)}/recommendations${query}`;
    const listed = await listAll<RecommendationView>(io, path);
    if (listed === undefined) return 1;
    if (args.options.has('json')) io.out(`${JSON.stringify(listed.items, null, 2)}\n`);
    else if (listed.items.length === 0) io.out(`no ${status ?? ''}${status ? ' ' : ''}recommendations\n`);
    else io.out(formatRecommendations(listed.items));
    return 0;
  },
};

function decisionCommand(decision: 'accept' | 'reject'): CliCommand {
  return {
    path: ['recommendations', decision],
    usage: `recommendations ${decision} <id> [--comment <text>]`,
    summary:
      decision === 'accept'
        ? 'Accept a recommendation: memory applies it and then measures its effect'
        : 'Reject a recommendation (it is not proposed again)',
    arguments: [{ name: '<id>', description: 'the recommendation (recommendations list shows them)' }],
    options: [{ flags: '--comment <text>', description: 'recorded with the decision (at most 2,000 characters)' }],
    details: `Needs LEDGERFLOW_TOKEN (scope workflows:write); the decision is recorded in its name.\n${EXIT_CODES}`,
    async run(args, io) {
      const id = args.positional[0] as string;
      const comment = stringOption(args, 'comment');
      const result = await callGateway(
        io,
        'POST',
        `/v1/recommendations/${encodeURIComponent(id)}/${decision}`,
        comment === undefined ? {} : { comment },
      );
      if (!result.ok) return 1;
      const view = result.value as RecommendationView;
      io.out(
        `recommendation ${view.recommendationId} ${view.status}${view.decidedBy ? ` by ${view.decidedBy}` : ''}\n`,
      );
      return 0;
    },
  };
}

/** The recommendation commands, for `runCli`. */
export const recommendationsCommands: CliCommand[] = [list, decisionCommand('accept'), decisionCommand('reject')];
