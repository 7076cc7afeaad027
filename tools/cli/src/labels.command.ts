import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { nextPageOf } from '@ledgerflow/contracts';
import { stringOption, UsageError } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { gatewayUrlOf } from './gateway-call.js';

/**
 * `ledgerflow workflows labels <workflow> [--step <id>] [--out <file.jsonl>]`: reviewers' corrections of a workflow
 * (ground truth: input, model output, corrected output, verdict, reviewer, time) as JSON lines, from
 * `GET /v1/workflows/{id}/labels` (scope `runs:read`, docs/api.md). The gateway answers a page of JSON lines at a
 * time and names the next in `Link: <...>; rel="next"`; every page is fetched, in order, and written as it comes
 * (stdout, or `--out`). Exit codes: 0 done, 1 the gateway refused or could not be reached (a partial `--out` file
 * is left as written), 2 usage errors (an unwritable `--out`).
 */

/** How long one page may take, in milliseconds. */
const TIMEOUT_MS = 30_000;

type Page = { ok: true; text: string; next?: string } | { ok: false; message: string };

/** One page of JSON lines at `path`, and the path of the next (refused when on another origin: it would get the token). */
async function fetchPage(base: string, path: string, token: string | undefined): Promise<Page> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      headers: { accept: 'application/x-ndjson', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    return { ok: false, message: `cannot reach the gateway at ${base} (set LEDGERFLOW_URL): ${reason}` };
  }
  const text = await response.text();
  if (!response.ok) {
    let error: { code?: string; message?: string } | undefined;
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error;
    } catch {
      error = undefined;
    }
    const hint = response.status === 401 ? ' (set LEDGERFLOW_TOKEN to your bearer token)' : '';
    return {
      ok: false,
      message: `HTTP ${response.status} ${error?.code ?? ''}: ${error?.message ?? (text || response.statusText)}${hint}`,
    };
  }
  const link = nextPageOf(response.headers.get('link'));
  if (link === undefined) return { ok: true, text };
  const url = new URL(link, base);
  if (url.origin !== new URL(base).origin)
    return { ok: false, message: `the next page is on another origin (${url.origin})` };
  return { ok: true, text, next: `${url.pathname}${url.search}` };
}

/** The first page's path: the workflow's labels, of one step when given, 1000 a page. */
export function labelsPath(workflowId: string, stepId: string | undefined): string {
  const query = new URLSearchParams({ ...(stepId === undefined ? {} : { stepId }), limit: '1000' });
  return `/v1/workflows/${encodeURIComponent(workflowId)}/labels?${query.toString()}`;
}

/**
 * Writes every page of labels from `path` on to `write` (each page's lines, `''` for an empty page), in order. A
 * refusal is written to `io.err`; only `write` may throw.
 * @returns the number of labels written, or undefined when a page failed.
 */
export async function exportLabels(
  io: CliIo,
  path: string,
  write: (text: string) => Promise<void>,
): Promise<number | undefined> {
  const base = gatewayUrlOf(io.env);
  const fetched = new Set<string>();
  let count = 0;
  for (let next: string | undefined = path; next !== undefined;) {
    if (fetched.has(next)) {
      io.err(`error: the gateway named ${next} as the next page again\n`);
      return undefined;
    }
    fetched.add(next);
    const page = await fetchPage(base, next, io.env.LEDGERFLOW_TOKEN);
    if (!page.ok) {
      io.err(`error: ${page.message}\n`);
      return undefined;
    }
    const lines = page.text.split('\n').filter((line) => line.trim() !== '');
    await write(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    count += lines.length;
    next = lines.length === 0 ? undefined : page.next;
  }
  return count;
}

export const workflowsLabelsCommand: CliCommand = {
  path: ['workflows', 'labels'],
  usage: 'workflows labels <workflow> [--step <id>] [--out <file.jsonl>]',
  summary: "Export reviewers' corrections (ground truth) of a workflow as JSON lines, every page",
  arguments: [{ name: '<workflow>', description: 'the workflow id' }],
  options: [
    { flags: '--step <id>', description: 'only the corrections of this step' },
    { flags: '--out <file>', description: 'write the lines there (default stdout)' },
  ],
  details:
    'Needs LEDGERFLOW_TOKEN (scope runs:read). One JSON object per line: runId, stepId, input, output, correctedOutput, verdict, confidence?, reviewer, decidedAt.\n' +
    'Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 usage errors.',
  async run(args, io) {
    const path = labelsPath(args.positional[0] as string, stringOption(args, 'step'));
    const out = stringOption(args, 'out');
    if (out === undefined) {
      const count = await exportLabels(io, path, (text) => Promise.resolve(io.out(text)));
      return count === undefined ? 1 : 0;
    }
    // Opened at the first page the gateway answers, so a refusal leaves no empty file behind.
    let file: FileHandle | undefined;
    try {
      const count = await exportLabels(io, path, async (text) => {
        file ??= await open(out, 'w').catch((error: Error) => {
          throw new UsageError(`cannot write ${out}: ${error.message}`);
        });
        if (text !== '') await file.write(text);
      });
      if (count === undefined) return 1;
      io.out(`${count} labels written to ${out}\n`);
      return 0;
    } finally {
      await file?.close();
    }
  },
};
