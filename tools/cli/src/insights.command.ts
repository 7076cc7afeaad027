import type { Insight, StepCalibration, UsageTotals, WorkflowInsights } from '@ledgerflow/contracts';
import type { CliCommand } from './command.js';
import { formatTable } from './gates.command.js';
import { callGateway } from './gateway-call.js';

/**
 * `ledgerflow workflows insights <workflow> [--json]`: what memory learned of a workflow
 * (`GET /v1/workflows/{id}/insights`, scope `runs:read`; formulas in docs/memory.md): its findings with their
 * evidence, the calibration of each step's confidence against reviewers' verdicts, and token and cost usage.
 * `--json` prints the answer as the gateway sent it. Exit codes: 0 done, 1 the gateway refused or could not be
 * reached, 2 usage errors.
 */

/** A share 0..1 as a percentage with one decimal (`12.5%`). */
const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;
/** A date-time as its day (`2026-01-02`), or as given when it is not ISO-8601. */
const dayOf = (time: string): string => (/^\d{4}-\d{2}-\d{2}/.test(time) ? time.slice(0, 10) : time);

/** One row per finding: kind, step, summary, and its evidence (occurrences in runs, the window, example runs). */
export function formatFindings(insights: readonly Insight[]): string {
  if (insights.length === 0) return 'no findings yet\n';
  return formatTable(
    ['KIND', 'STEP', 'EVIDENCE', 'WINDOW', 'EXAMPLES', 'FINDING'],
    insights.map(({ kind, stepId, summary, evidence }) => [
      kind,
      stepId ?? '-',
      `${evidence.occurrences}/${evidence.runs} runs${evidence.succeeded === undefined ? '' : `, ${evidence.succeeded} ok`}`,
      `${dayOf(evidence.from)}..${dayOf(evidence.to)}`,
      evidence.exampleRunIds.slice(0, 3).join(',') + (evidence.exampleRunIds.length > 3 ? ',...' : '') || '-',
      summary,
    ]),
  );
}

/**
 * Per step: reviewed results and expected calibration error, then its reliability table: each confidence bucket that
 * holds results, with its verdict counts and the share accepted unchanged (which a calibrated step's mean matches).
 */
export function formatCalibration(calibration: readonly StepCalibration[]): string {
  if (calibration.length === 0) return 'no reviewed results with a confidence yet\n';
  return calibration
    .map(
      (step) =>
        `${step.stepId}: ${step.reviewed} reviewed, expected calibration error ${step.expectedCalibrationError.toFixed(3)}\n` +
        formatTable(
          ['CONFIDENCE', 'COUNT', 'MEAN', 'ACCEPTED', 'CORRECTED', 'REJECTED', 'ACCEPTED SHARE'],
          step.buckets
            .filter((b) => b.count > 0)
            .map((b) => [
              `${b.from.toFixed(1)}-${b.to.toFixed(1)}`,
              String(b.count),
              b.meanConfidence.toFixed(2),
              String(b.accepted),
              String(b.corrected),
              String(b.rejected),
              percent(b.accepted / b.count),
            ]),
        ),
    )
    .join('\n');
}

/** Usage of the workflow and of each step: tokens in and out, cost in US dollars, step results that reported it. */
export function formatUsage(usage: WorkflowInsights['usage']): string {
  const row = (name: string, totals: UsageTotals) => [
    name,
    String(totals.inputTokens),
    String(totals.outputTokens),
    `$${totals.costUsd.toFixed(4)}`,
    String(totals.steps),
  ];
  return formatTable(
    ['STEP', 'INPUT TOKENS', 'OUTPUT TOKENS', 'COST', 'RESULTS'],
    [
      ...Object.entries(usage.byStep)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([stepId, totals]) => row(stepId, totals)),
      row('(total)', usage),
    ],
  );
}

/** The whole report as `workflows insights` prints it. */
export function formatInsights(value: WorkflowInsights): string {
  const scope = value.scope.length === 0 ? '' : ` (memory scope ${value.scope.join(',')})`;
  return [
    `${value.workflowId}: ${value.runs} production runs${scope}\n`,
    `Findings\n${formatFindings(value.insights)}`,
    `Calibration\n${formatCalibration(value.calibration)}`,
    `Usage\n${formatUsage(value.usage)}`,
  ].join('\n');
}

export const workflowsInsightsCommand: CliCommand = {
  path: ['workflows', 'insights'],
  usage: 'workflows insights <workflow> [--json]',
  summary: 'What memory learned of a workflow: findings with evidence, confidence calibration, token and cost usage',
  arguments: [{ name: '<workflow>', description: 'the workflow id' }],
  options: [{ flags: '--json', description: 'print the answer as JSON' }],
  details:
    'Needs LEDGERFLOW_TOKEN (scope runs:read). Formulas: docs/memory.md.\n' +
    'Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 usage errors.',
  async run({ positional: [workflowId], options }, io) {
    const result = await callGateway(io, 'GET', `/v1/workflows/${encodeURIComponent(workflowId as string)}/insights`);
    if (!result.ok) return 1;
    const value = result.value as WorkflowInsights;
    io.out(options.has('json') ? `${JSON.stringify(value, null, 2)}\n` : formatInsights(value));
    return 0;
  },
};
