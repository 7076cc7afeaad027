import { readFile } from 'node:fs/promises';
import { LedgerflowError } from '@ledgerflow/domain';
import { LedgerflowClient } from '@ledgerflow/sdk';
import type { RunView } from '@ledgerflow/sdk';
import { UsageError, parseArgs } from './args.js';
import { usageCheckedCommand } from './command.js';
import type { CliCommand, CliIo } from './command.js';
import { callGateway, gatewayUrlOf } from './gateway-call.js';
import { eraseLines, outcomeOf, stepTable, updateLine } from './runs-watch-view.js';

/**
 * `ledgerflow runs start` and `ledgerflow runs watch`: start a run and follow a run live over the gateway's
 * Server-Sent Events (`GET /v1/runs/{id}/stream`, docs/api.md "Live updates"). The gateway is `LEDGERFLOW_URL`
 * (default `http://127.0.0.1:8080`), the bearer token `LEDGERFLOW_TOKEN` (`ledgerflow token` prints one).
 * Exit codes of a watch: 0 the run completed, 1 it failed or was cancelled (or the gateway refused), 2 usage errors.
 */

/** Milliseconds between two redraws of the table on a terminal (the last state is always drawn). */
const REDRAW_MS = 100;

const START_USAGE = 'runs start <workflowId> [--input file.json] [--idempotency-key k] [--watch] [--plain]';
const WATCH_USAGE = 'runs watch <runId> [--until <EventType>] [--plain]';

/** `runs start` arguments, parsed. */
export interface StartArgs {
  readonly workflowId: string;
  readonly inputFile?: string;
  readonly idempotencyKey?: string;
  readonly watch: boolean;
  readonly plain: boolean;
}

/** @throws UsageError for a missing workflow id, an extra argument or an unknown option. */
export function parseStartArgs(args: readonly string[]): StartArgs {
  const { positional, options } = parseArgs(args, ['input', 'idempotency-key'], ['watch', 'plain']);
  const [workflowId, extra] = positional;
  if (!workflowId) throw new UsageError('the workflow id is missing');
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
  const inputFile = options.get('input') as string | undefined;
  const idempotencyKey = options.get('idempotency-key') as string | undefined;
  if (idempotencyKey === '') throw new UsageError('--idempotency-key must not be empty');
  return {
    workflowId,
    ...(inputFile === undefined ? {} : { inputFile }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    watch: options.has('watch'),
    plain: options.has('plain'),
  };
}

/** `runs watch` arguments, parsed. @throws UsageError as {@link parseStartArgs}. */
export function parseWatchArgs(args: readonly string[]): { runId: string; plain: boolean; until?: string } {
  const { positional, options } = parseArgs(args, ['until'], ['plain']);
  const [runId, extra] = positional;
  if (!runId) throw new UsageError('the run id is missing');
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
  const until = options.get('until') as string | undefined;
  if (until !== undefined && !/^[A-Z][A-Za-z]{1,63}$/.test(until))
    throw new UsageError(`--until must be an event type such as GateOpened, got ${until}`);
  return { runId, plain: options.has('plain'), ...(until === undefined ? {} : { until }) };
}

async function readInput(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the input ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
}

function tokenOf(io: CliIo): string {
  const token = io.env.LEDGERFLOW_TOKEN;
  if (!token)
    throw new UsageError(
      'LEDGERFLOW_TOKEN is not set: export your bearer token (a JWT; `ledgerflow token` prints a development one)',
    );
  return token;
}

/**
 * Follows run `runId` until it ends: on a terminal (`tty`), its step table redrawn in place as updates arrive; else
 * one line per update. Then the final table and the outcome. Returns the exit code (0 completed, 1 otherwise).
 * With `until` (an event type, e.g. `GateOpened`) it stops at the first such event of the run, earlier ones
 * included, with exit 0 (1 when the run ends without one): a script waits for a gate this way.
 */
export async function watchRun(
  io: CliIo,
  runId: string,
  options: { token: string; tty: boolean; until?: string },
): Promise<number> {
  const client = new LedgerflowClient({ baseUrl: gatewayUrlOf(io.env), token: options.token });
  let drawn = 0;
  let drawnAt = 0;
  const draw = (run: RunView) => {
    const lines = stepTable(run);
    io.out(`${eraseLines(drawn)}${lines.join('\n')}\n`);
    drawn = lines.length;
    drawnAt = Date.now();
  };
  try {
    if (options.tty) draw(await client.getRun(runId));
    for await (const update of client.watchRun(runId)) {
      if (!options.tty) io.out(`${updateLine(update)}\n`);
      else if (Date.now() - drawnAt >= REDRAW_MS) draw(await client.getRun(runId));
      if (update.type === options.until) {
        if (options.tty) draw(await client.getRun(runId));
        io.out(`${options.until} (run ${runId}, position ${update.position})\n`);
        return 0;
      }
    }
    const run = await client.getRun(runId);
    if (!options.tty) drawn = 0;
    draw(run);
    const outcome = outcomeOf(run);
    io.out(`${outcome.line}\n`);
    if (options.until !== undefined) {
      io.err(`error: the run ended without ${options.until}\n`);
      return 1;
    }
    return outcome.code;
  } catch (error) {
    if (!(error instanceof LedgerflowError)) throw error;
    const status = error.details?.status;
    const hint = status === 401 ? ' (set LEDGERFLOW_TOKEN to your bearer token)' : '';
    io.err(`error: ${status === undefined ? '' : `HTTP ${String(status)} `}${error.code}: ${error.message}${hint}\n`);
    return 1;
  }
}

const isTerminal = (plain: boolean) => !plain && process.stdout.isTTY === true;

/** `runs start` and `runs watch`, for `runCli`. */
export const runsWatchCommands: CliCommand[] = [
  usageCheckedCommand(
    ['runs', 'start'],
    START_USAGE,
    'Start a run of a workflow (input from a JSON file); --watch follows it to its end',
    async (args, io) => {
      const parsed = parseStartArgs(args);
      const token = tokenOf(io);
      const input = parsed.inputFile === undefined ? {} : await readInput(parsed.inputFile);
      const body = parsed.idempotencyKey === undefined ? { input } : { input, idempotencyKey: parsed.idempotencyKey };
      const started = await callGateway(
        io,
        'POST',
        `/v1/workflows/${encodeURIComponent(parsed.workflowId)}/runs`,
        body,
        token,
      );
      if (!started.ok) return 1;
      const { runId, created } = started.value as { runId: string; created?: boolean };
      io.out(`run ${runId} ${created === false ? 'was already started with this idempotency key' : 'started'}\n`);
      return parsed.watch ? watchRun(io, runId, { token, tty: isTerminal(parsed.plain) }) : 0;
    },
  ),
  usageCheckedCommand(
    ['runs', 'watch'],
    WATCH_USAGE,
    "Follow a run live: its steps' status, attempt and duration, then the outcome (exit 0 completed, 1 failed/cancelled)",
    async (args, io) => {
      const { runId, plain, until } = parseWatchArgs(args);
      return watchRun(io, runId, {
        token: tokenOf(io),
        tty: isTerminal(plain),
        ...(until === undefined ? {} : { until }),
      });
    },
  ),
];
