/**
 * `make demo`: starts nats-server and every Ledgerflow service as its own OS process (data under
 * `.data/demo/`), plus the claim-review tool workers, runs every sample claim in `claims/` through the
 * HTTP API (one of them as a webhook), approves the over-50,000 payout as the named reviewer, prints a
 * trace table per run and a summary, checks each run ended as expected, ends with what operational memory learned
 * of the workflow (`GET /v1/workflows/claim-review/insights`: findings, calibration, token and cost usage), and stops
 * everything.
 * Exit code 0 when every claim ended as expected, 1 otherwise. With `--keep` (`make demo ARGS=--keep`) the stack
 * stays up after the summary, with the console's URL and a reviewer token printed, until Ctrl-C.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerflowClient } from '@ledgerflow/sdk';
import {
  authHeader,
  devToken,
  generateWebhookSecret,
  repoRoot,
  startStack,
  writeWebhookSecrets,
} from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import { EXPECTED, OUTAGE_CLAIM } from './demo-expectations.js';
import { table, traceTable } from './demo-report.js';
import { subjects } from '@ledgerflow/contracts';
import type { RunTrace, WorkflowInsights } from '@ledgerflow/contracts';

const WORKFLOW = 'claim-review';
const RUN_TIMEOUT_MS = 30_000;

interface Claim {
  claimId: string;
  amount: number;
  currency: string;
  [field: string]: unknown;
}

async function main(): Promise<number> {
  const root = repoRoot();
  const dataDir = join(root, '.data', 'demo');
  rmSync(dataDir, { recursive: true, force: true });
  const claimsDir = join(root, 'examples', 'claim-review', 'claims');
  const claims = readdirSync(claimsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(claimsDir, f), 'utf8')) as Claim);

  log(`starting nats-server and 6 services (data under ${dataDir}) ...`);
  const started = Date.now();
  // The claims core signs its webhook deliveries (Standard Webhooks) with the workflow's secret.
  const webhookSecret = generateWebhookSecret();
  const webhooks = await writeWebhookSecrets(dataDir, {
    [WORKFLOW]: { scheme: 'standard-webhooks', secret: webhookSecret },
  });
  const stack = await startStack({
    dataDir,
    env: webhooks.env,
    extras: [
      {
        name: 'claim-review-workers',
        script: 'examples/claim-review/dist/workers.js',
        readyLine: /^ledgerflow:ready claim-review-workers$/,
        // Its NATS user may serve these tool subjects and nothing else.
        toolSubjects: ['documents', 'policy_admin', 'fraud', 'billing'].map((tool) => subjects.tool(tool, '>')),
        env: { CLAIM_FRAUD_OUTAGE_CLAIMS: OUTAGE_CLAIM, CLAIM_BILLING_LEDGER: join(dataDir, 'billing-ledger.jsonl') },
      },
    ],
  });
  log(`stack ready in ${Date.now() - started} ms: gateway ${stack.gatewayUrl}, NATS ${stack.natsUrl}`);
  log(`console: ${stack.gatewayUrl}/console (while the demo runs, or after it with --keep; docs/console.md)`);
  try {
    const code = await runClaims(stack, claims, webhookSecret);
    if (process.argv.includes('--keep')) await keepRunning(stack);
    return code;
  } finally {
    await stack.stop();
    log('stopped every process');
  }
}

/** `--keep`: prints where to look and a token to look with, then waits for Ctrl-C (SIGINT) or SIGTERM. */
async function keepRunning(stack: Stack): Promise<void> {
  const token = await devToken(stack, {
    sub: 'claims-lead',
    roles: ['claims-lead'],
    scopes: ['runs:read', 'gates:decide', 'runs:operate', 'runs:start', 'audit:read'],
    expiresIn: '8h',
  });
  process.stdout.write(
    `\nThe stack keeps running (--keep). Console: ${stack.gatewayUrl}/console\nSign in with this token (claims-lead, 8 h):\n${token}\nCtrl-C stops everything.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/**
 * The claims core system's service account (scopes runs:start and runs:read), created by a demo administrator
 * (a development token with scope admin); its API key is what the enterprise system would be configured with.
 */
async function claimsCoreApiKey(stack: Stack): Promise<string> {
  const response = await fetch(`${stack.gatewayUrl}/v1/service-accounts`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(await authHeader(stack, { sub: 'demo-admin', scopes: ['admin'] })),
    },
    body: JSON.stringify({ name: 'claims-core', scopes: ['runs:start', 'runs:read'] }),
  });
  if (response.status !== 201)
    throw new Error(
      `creating the claims-core service account failed: HTTP ${response.status} ${await response.text()}`,
    );
  const { id, apiKey } = (await response.json()) as { id: string; apiKey: string };
  log(`service account claims-core (${id}) created with scopes runs:start runs:read`);
  return apiKey;
}

async function runClaims(stack: Stack, claims: readonly Claim[], webhookSecret: string): Promise<number> {
  const client = new LedgerflowClient({ baseUrl: stack.gatewayUrl, token: await claimsCoreApiKey(stack) });
  const runs = new Map<string, string>();
  for (const [index, claim] of claims.entries()) {
    const result =
      index === 0
        ? await client.sendWebhook(WORKFLOW, claim, claim.claimId, {
            signing: { scheme: 'standard-webhooks', secret: webhookSecret },
          })
        : await client.startRun(WORKFLOW, claim, { idempotencyKey: claim.claimId });
    runs.set(claim.claimId, result.runId);
    log(
      `${claim.claimId}: run ${result.runId} started (${index === 0 ? 'webhook' : 'API'}, ${fmt(claim.amount)} ${claim.currency})`,
    );
  }
  await approveGates(stack, client, runs);
  const summary: Array<Array<string | number>> = [];
  let failures = 0;
  for (const claim of claims) {
    const runId = runs.get(claim.claimId)!;
    const run = await client.waitForRun(runId, { timeoutMs: RUN_TIMEOUT_MS });
    const trace = (await client.getTrace(runId)) as unknown as RunTrace;
    const verdict = check(
      claim.claimId,
      run as unknown as { status: string; failure?: { code: string; reason: string } },
      trace,
    );
    if (verdict !== 'ok') failures++;
    process.stdout.write(
      `\n${claim.claimId}  run ${runId}  ${trace.status}  total ${trace.total_duration_ms} ms  trace ${trace.trace_id ?? '-'}\n`,
    );
    process.stdout.write(`${traceTable(trace)}\n`);
    const failure = (run as { failure?: { code: string; reason: string } }).failure;
    if (failure) process.stdout.write(`  ${failure.code}: ${failure.reason}\n`);
    summary.push([
      claim.claimId,
      `${fmt(claim.amount)} ${claim.currency}`,
      trace.status,
      failure?.code ?? '-',
      trace.total_duration_ms,
      verdict,
    ]);
  }
  process.stdout.write(`\nSummary (${claims.length} runs)\n`);
  process.stdout.write(`${table(['claim', 'amount', 'status', 'code', 'total_ms', 'expected'], summary)}\n`);
  await printInsights(stack, claims.length);
  return failures === 0 ? 0 : 1;
}

/**
 * What memory learned of the workflow, once its projection has seen every run (it consumes the events
 * asynchronously): the findings with their evidence, the calibration of steps whose results reviewers judged, and the
 * token and cost usage the tools reported (docs/memory.md). Six runs are few: most findings need more evidence.
 */
async function printInsights(stack: Stack, runs: number): Promise<void> {
  const headers = await authHeader(stack, { sub: 'claims-lead', scopes: ['runs:read'] });
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  let insights: WorkflowInsights | undefined;
  while (Date.now() < deadline) {
    const response = await fetch(`${stack.gatewayUrl}/v1/workflows/${WORKFLOW}/insights`, { headers });
    if (response.status !== 200) throw new Error(`insights: HTTP ${response.status} ${await response.text()}`);
    insights = (await response.json()) as WorkflowInsights;
    if (insights.runs >= runs) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (!insights) return;
  process.stdout.write(`\nInsights of ${WORKFLOW} (memory, ${insights.runs} runs)\n`);
  if (insights.insights.length === 0) process.stdout.write('  no finding has enough evidence yet\n');
  for (const finding of insights.insights) process.stdout.write(`  ${finding.kind.padEnd(16)} ${finding.summary}\n`);
  const reviewed = insights.calibration.filter((step) => step.reviewed > 0);
  if (reviewed.length > 0) {
    const rows = reviewed.map((step) => [
      step.stepId,
      step.reviewed,
      step.expectedCalibrationError.toFixed(3),
      step.buckets
        .filter((b) => b.count > 0)
        .map((b) => `${b.from.toFixed(1)}-${b.to.toFixed(1)}: ${b.accepted}/${b.count} accepted`)
        .join(', '),
    ]);
    process.stdout.write(`${table(['step', 'reviewed', 'ECE', 'reliability'], rows)}\n`);
  }
  const { usage } = insights;
  const usageRows = Object.entries(usage.byStep).map(([stepId, step]) => [
    stepId,
    step.inputTokens,
    step.outputTokens,
    `$${step.costUsd.toFixed(6)}`,
  ]);
  usageRows.push(['total', usage.inputTokens, usage.outputTokens, `$${usage.costUsd.toFixed(6)}`]);
  process.stdout.write(`${table(['usage', 'input tokens', 'output tokens', 'cost'], usageRows)}\n`);
}

/** Approves every open gate of the demo's runs as the first reviewer it names, through the HTTP API. */
async function approveGates(stack: Stack, client: LedgerflowClient, runs: Map<string, string>): Promise<void> {
  const gated = Object.entries(EXPECTED)
    .filter(([, e]) => e.gate)
    .map(([claimId]) => runs.get(claimId)!);
  for (const runId of gated) {
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    for (;;) {
      const response = await fetch(`${stack.gatewayUrl}/v1/gates?status=open`, {
        headers: await authHeader(stack, { sub: 'demo-admin', scopes: ['runs:read'] }),
      });
      const gates = (await response.json()) as Array<{
        gateId: string;
        runId: string;
        reviewers: string[];
        reason: string;
      }>;
      const gate = gates.find((g) => g.runId === runId);
      if (gate) {
        const reviewer = gate.reviewers[0];
        const token = await devToken(stack, { sub: reviewer, scopes: ['gates:decide'] });
        await client.decideGate(gate.gateId, 'approve', {
          token,
          comment: 'Fire brigade report and estimate reviewed.',
        });
        log(`gate ${gate.gateId} (${gate.reason}) approved by ${reviewer}`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`no gate opened for run ${runId} within ${RUN_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function check(claimId: string, run: { status: string; failure?: { code: string } }, trace: RunTrace): string {
  const expected = EXPECTED[claimId];
  if (!expected) return 'no expectation';
  if (run.status !== expected.status) return `expected ${expected.status}`;
  if (expected.failureCode && run.failure?.code !== expected.failureCode) return `expected ${expected.failureCode}`;
  const fraud = trace.steps.find((s) => s.step === 'fraud_screen');
  if (expected.fraudAttempts && fraud?.attempts !== expected.fraudAttempts)
    return `expected ${expected.fraudAttempts} fraud attempts`;
  if (expected.gate && !trace.steps.some((s) => s.gate?.status === 'approved')) return 'expected an approved gate';
  return 'ok';
}

function fmt(amount: number): string {
  return amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function log(message: string): void {
  process.stdout.write(`[demo] ${message}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`[demo] failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
