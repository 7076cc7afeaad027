import { UsageError } from './args.js';
import type { ParsedArgs } from './args.js';
import { callGateway } from './gateway-call.js';
import { listAll } from './gateway-pages.js';
import type { CliCommand, CliIo, CliOption } from './command.js';
import { formatTable } from './gates.command.js';

/**
 * `ledgerflow runs show|trace|checkpoints|state|diff|fork`: read and replay runs through the gateway's HTTP API
 * (`GET /v1/runs/{id}`, `/trace`, `/checkpoints`, `/state?at=`, `/diff?from=&to=`, `POST /v1/runs/{id}/fork`).
 * The gateway is `LEDGERFLOW_URL` (default `http://127.0.0.1:8080`), the bearer token `LEDGERFLOW_TOKEN` (scope
 * `runs:read`; `runs:operate` to fork). Output: human-readable tables; `--json`
 * prints the gateway's answer as is. Exit codes: 0 done, 1 the gateway refused or could not be reached (its
 * error code and message are printed), 2 usage errors.
 */

type Row = Record<string, unknown>;

/** Compact JSON of a value, cut at `max` characters (`-` when absent). */
export function brief(value: unknown, max = 60): string {
  if (value === undefined || value === null) return '-';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

const lineageCells = (lineage: Row | null | undefined): string[] => {
  if (!lineage) return ['-', '-', '-', '-'];
  const flags = [
    lineage.carriedOver ? 'carried' : '',
    lineage.reviewed ? 'reviewed' : '',
    lineage.corrected ? 'corrected' : '',
  ]
    .filter(Boolean)
    .join(',');
  return [
    `${brief(lineage.source)}${lineage.fresh === undefined ? '' : lineage.fresh ? ' (fresh)' : ' (cached)'}${flags ? ` [${flags}]` : ''}`,
    typeof lineage.confidence === 'number' ? String(lineage.confidence) : '-',
    typeof lineage.cumulativeConfidence === 'number' ? String(lineage.cumulativeConfidence) : '-',
    ((lineage.upstream as string[] | undefined) ?? []).join(',') || '-',
  ];
};

const renderers: Record<string, (value: Row, io: CliIo) => void> = {
  show: (run, io) => {
    io.out(
      `run ${String(run.runId)}  ${String(run.workflowId)}@${String(run.workflowVersion)}  ${String(run.status)}  revision ${String(run.revision)}\ncreated ${brief(run.createdAt)}  updated ${brief(run.updatedAt)}\n`,
    );
    io.out(
      formatTable(
        ['STEP', 'STATUS', 'ATTEMPT', 'TOOL', 'OUTPUT'],
        ((run.steps as Row[] | undefined) ?? []).map((s) => [
          String(s.stepId),
          String(s.status),
          String(s.attempt ?? '-'),
          `${String(s.tool)}.${String(s.action)}`,
          brief(s.output),
        ]),
      ),
    );
  },
  trace: (trace, io) => {
    io.out(
      `run ${String(trace.run_id)}  ${String(trace.workflow_id)}  ${String(trace.status)}  ${String(trace.total_duration_ms)} ms  trace ${brief(trace.trace_id)}\n`,
    );
    io.out(
      formatTable(
        ['STEP', 'TOOL', 'STATUS', 'ATTEMPTS', 'DURATION_MS', 'POLICY', 'SOURCE', 'CONF', 'UPSTREAM', 'ERROR'],
        ((trace.steps as Row[] | undefined) ?? []).map((s) => {
          const [source, confidence, , upstream] = lineageCells(s.lineage as Row | undefined);
          const error = s.error as Row | null;
          return [
            String(s.step),
            `${String(s.tool)}.${String(s.action)}`,
            String(s.status),
            String(s.attempts),
            brief(s.duration_ms),
            brief(s.policy),
            source ?? '-',
            confidence ?? '-',
            upstream ?? '-',
            error ? `${String(error.code)}: ${String(error.message)}` : '-',
          ];
        }),
      ),
    );
  },
  checkpoints: (view, io) => {
    const checkpoints = (view.checkpoints as Row[] | undefined) ?? [];
    if (checkpoints.length === 0) return io.out(`run ${String(view.runId)} has no checkpoints yet\n`);
    io.out(
      formatTable(
        ['CHECKPOINT', 'REVISION', 'AT', 'EVENT', 'STEP', 'SUMMARY'],
        checkpoints.map((cp) => [
          String(cp.id),
          String(cp.revision),
          brief(cp.at),
          String(cp.type),
          brief(cp.stepId),
          String(cp.summary),
        ]),
      ),
    );
  },
  state: (view, io) => {
    const forked = view.forkedFrom as Row | undefined;
    io.out(
      `run ${String(view.runId)}  at ${brief(view.at ?? 'latest')} (revision ${String(view.revision)}, ${brief(view.occurredAt)})  ${String(view.status)}${forked ? `  forked from ${String(forked.runId)} at ${String(forked.checkpoint)}` : ''}\n`,
    );
    io.out(
      formatTable(
        ['STEP', 'STATUS', 'ATTEMPT', 'SOURCE', 'CONF', 'CUMULATIVE', 'UPSTREAM', 'OUTPUT'],
        ((view.steps as Row[] | undefined) ?? []).map((s) => [
          String(s.stepId),
          String(s.status),
          String(s.attempt ?? '-'),
          ...lineageCells(s.lineage as Row | null),
          brief(s.output),
        ]),
      ),
    );
  },
  diff: (view, io) => {
    const changes = (view.changes as Row[] | undefined) ?? [];
    io.out(
      `run ${String(view.runId)}: ${String(view.from)} -> ${String(view.to)}, ${changes.length} change${changes.length === 1 ? '' : 's'}\n`,
    );
    if (changes.length > 0)
      io.out(
        formatTable(
          ['OP', 'PATH', 'FROM', 'TO'],
          changes.map((c) => [
            String(c.op),
            String(c.path),
            'from' in c ? brief(c.from, 40) : '',
            'to' in c ? brief(c.to, 40) : '',
          ]),
        ),
      );
  },
  fork: (result, io) => {
    const origin = result.forkedFrom as Row;
    io.out(
      `${result.created ? 'forked' : 'already forked:'} run ${String(result.runId)} from ${String(origin.runId)} at ${String(origin.checkpoint)} (revision ${String(origin.revision)})\n`,
    );
  },
};

interface Spec {
  verb: string;
  usage: string;
  summary: string;
  options: CliOption[];
  request(id: string, options: ParsedArgs['options']): { method: 'GET' | 'POST'; path: string; body?: unknown };
  /** The answer's array paged by the gateway (docs/api.md, "Lists"): every page is read and joined into it. */
  paged?: string;
}

const run = (id: string) => `/v1/runs/${encodeURIComponent(id)}`;
const need = (options: ParsedArgs['options'], name: string): string => {
  const value = options.get(name);
  if (typeof value !== 'string') throw new UsageError(`--${name} <checkpoint> is required`);
  return value;
};

const specs: Spec[] = [
  {
    verb: 'show',
    usage: 'runs show <run-id> [--json]',
    summary: 'A run: status and steps',
    options: [],
    request: (id) => ({ method: 'GET', path: run(id) }),
  },
  {
    verb: 'trace',
    usage: 'runs trace <run-id> [--json]',
    summary: 'Per step: tool, status, attempts, duration, policy, lineage',
    options: [],
    request: (id) => ({ method: 'GET', path: `${run(id)}/trace` }),
  },
  {
    verb: 'checkpoints',
    usage: 'runs checkpoints <run-id> [--json]',
    summary: 'Checkpoints cp-1, cp-2, ...: step outcomes and gate decisions',
    options: [],
    request: (id) => ({ method: 'GET', path: `${run(id)}/checkpoints?limit=1000` }),
    paged: 'checkpoints',
  },
  {
    verb: 'state',
    usage: 'runs state <run-id> [--at cp-N] [--json]',
    summary: 'The state folded up to a checkpoint (latest without --at), with lineage',
    options: [
      {
        flags: '--at <checkpoint>',
        description: 'a checkpoint, cp-N (runs checkpoints lists them); default the latest',
      },
    ],
    request: (id, o) => ({
      method: 'GET',
      path: `${run(id)}/state${typeof o.get('at') === 'string' ? `?at=${encodeURIComponent(o.get('at') as string)}` : ''}`,
    }),
  },
  {
    verb: 'diff',
    usage: 'runs diff <run-id> --from cp-A --to cp-B [--json]',
    summary: 'What changed between two checkpoints',
    options: [
      { flags: '--from <checkpoint>', description: 'the earlier checkpoint, cp-A (required)' },
      { flags: '--to <checkpoint>', description: 'the later checkpoint, cp-B (required)' },
    ],
    request: (id, o) => ({
      method: 'GET',
      path: `${run(id)}/diff?${new URLSearchParams({ from: need(o, 'from'), to: need(o, 'to') }).toString()}`,
    }),
  },
  {
    verb: 'fork',
    usage: 'runs fork <run-id> --at cp-N [--json]',
    summary: 'A new run from a checkpoint; completed steps are carried over',
    options: [{ flags: '--at <checkpoint>', description: 'the checkpoint to fork from, cp-N (required)' }],
    request: (id, o) => ({ method: 'POST', path: `${run(id)}/fork`, body: { at: need(o, 'at') } }),
  },
];

function command(spec: Spec): CliCommand {
  return {
    path: ['runs', spec.verb],
    usage: spec.usage,
    summary: spec.summary,
    arguments: [{ name: '<run-id>', description: 'the run' }],
    options: [...spec.options, { flags: '--json', description: "print the gateway's answer as JSON" }],
    details: 'Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 usage errors.',
    run: async (args, io) => {
      const request = spec.request(args.positional[0] as string, args.options);
      const value = await answerOf(io, request, spec.paged);
      if (value === undefined) return 1;
      if (args.options.has('json')) io.out(`${JSON.stringify(value, null, 2)}\n`);
      else renderers[spec.verb]?.(value as Row, io);
      return 0;
    },
  };
}

/**
 * The gateway's answer to `request`, undefined when refused or unreachable (written to `io.err`). With `paged`, the
 * last page's answer with its array `paged` holding the items of every page.
 */
async function answerOf(io: CliIo, request: ReturnType<Spec['request']>, paged: string | undefined): Promise<unknown> {
  if (paged === undefined) {
    const result = await callGateway(io, request.method, request.path, request.body);
    return result.ok ? result.value : undefined;
  }
  const listed = await listAll(io, request.path, { field: paged });
  return listed && { ...(listed.last as Row), [paged]: listed.items };
}

/** The run replay commands, for `runCli`. */
export const runsReplayCommands: CliCommand[] = specs.map(command);
