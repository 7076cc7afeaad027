import { DEFAULT_AUTH_AUDIENCE, DEFAULT_AUTH_ISSUER } from '@ledgerflow/contracts';
import type { EvaluationRecorded, RecordEvaluationRequest } from '@ledgerflow/contracts';
import { signDevToken } from '@ledgerflow/auth';
import type { CliIo } from './command.js';
import { gatewayUrlOf } from './gateway-call.js';
import type { RunView } from './eval-matchers.js';
import { dataDirOf } from './start-layout.js';
import { readAuthSecret } from './start-secrets.js';

/** How long one HTTP call of eval may take, in milliseconds. */
const CALL_TIMEOUT_MS = 15_000;

/** An answer of the gateway: its status and parsed JSON body (the error's code and message on a refusal). */
export interface GatewayAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly error?: string;
}

/**
 * The gateway calls of `ledgerflow eval` (docs/api.md): start an evaluation run, read it, decide its gates, record
 * the result. Unlike `callGateway`, each answer keeps its HTTP status (a 404 from the evaluations endpoint of an
 * older gateway is a warning, not a failure). An unreachable gateway throws.
 */
export class EvalGateway {
  constructor(
    private readonly io: CliIo,
    private readonly token: string,
  ) {}

  /** `POST /v1/workflows/{id}/runs` with `evaluation: { goldenSet, caseId }`. */
  startRun(
    workflowId: string,
    body: { input: unknown; idempotencyKey: string; evaluation: { goldenSet: string; caseId: string } },
  ) {
    return this.call('POST', `/v1/workflows/${encodeURIComponent(workflowId)}/runs`, body);
  }

  /** `GET /v1/runs/{id}`. */
  async run(runId: string): Promise<RunView> {
    const answer = await this.call('GET', `/v1/runs/${encodeURIComponent(runId)}`);
    if (answer.status !== 200) throw new Error(`GET /v1/runs/${runId}: ${answer.error}`);
    return answer.body as RunView;
  }

  /** `GET /v1/runs/{id}/trace`: the run's `total_duration_ms` (trigger to end). */
  async durationMs(runId: string): Promise<number> {
    const answer = await this.call('GET', `/v1/runs/${encodeURIComponent(runId)}/trace`);
    if (answer.status !== 200) throw new Error(`GET /v1/runs/${runId}/trace: ${answer.error}`);
    return Number((answer.body as { total_duration_ms?: number }).total_duration_ms ?? 0);
  }

  /** `POST /v1/gates/{id}/decision` approving, with the reviewer's token. */
  approve(gateId: string, reviewerToken: string, comment: string) {
    return this.call(
      'POST',
      `/v1/gates/${encodeURIComponent(gateId)}/decision`,
      { outcome: 'approve', comment },
      reviewerToken,
    );
  }

  /** `POST /v1/workflows/{id}/evaluations`. */
  record(workflowId: string, evaluation: Omit<RecordEvaluationRequest['evaluation'], 'workflowId'>) {
    return this.call('POST', `/v1/workflows/${encodeURIComponent(workflowId)}/evaluations`, evaluation) as Promise<
      GatewayAnswer & { body: EvaluationRecorded | undefined }
    >;
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown, token = this.token): Promise<GatewayAnswer> {
    const base = gatewayUrlOf(this.io.env);
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(
        `cannot reach the gateway at ${base} (set LEDGERFLOW_URL): ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok) return { status: response.status, body: parsed };
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    return {
      status: response.status,
      body: parsed,
      error: `HTTP ${response.status} ${error?.code ?? ''}: ${error?.message ?? (text || response.statusText)}`,
    };
  }
}

/**
 * The bearer token of reviewer `reviewer` for `--approve-as`: `LEDGERFLOW_REVIEWER_TOKEN` when set (a token of your
 * identity provider; it must be that reviewer's), else a development token signed as `ledgerflow token --user
 * <reviewer>` signs it (scopes `gates:decide runs:read`, 1 h) with `LEDGERFLOW_AUTH_SECRET` or the key of the
 * `ledgerflow start` instance. @throws Error when neither is available.
 */
export async function reviewerTokenOf(io: CliIo, reviewer: string): Promise<string> {
  if (io.env.LEDGERFLOW_REVIEWER_TOKEN) return io.env.LEDGERFLOW_REVIEWER_TOKEN;
  let authSecret = io.env.LEDGERFLOW_AUTH_SECRET;
  if (!authSecret) {
    try {
      authSecret = await readAuthSecret(dataDirOf(undefined, io.env).secretsDir);
    } catch (error) {
      throw new Error(
        `--approve-as ${reviewer}: set LEDGERFLOW_REVIEWER_TOKEN to that reviewer's token, or LEDGERFLOW_AUTH_SECRET (${(error as Error).message})`,
      );
    }
  }
  return signDevToken(
    {
      authSecret,
      authIssuer: io.env.LEDGERFLOW_AUTH_ISSUER || DEFAULT_AUTH_ISSUER,
      authAudience: io.env.LEDGERFLOW_AUTH_AUDIENCE || DEFAULT_AUTH_AUDIENCE,
    },
    { sub: reviewer, scopes: ['gates:decide', 'runs:read'] },
  );
}
