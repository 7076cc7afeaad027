import type { GateSpec, RetryPolicy } from '@ledgerflow/domain';
import type { JsonSchema, StepDefinition, WorkflowDefinition } from './definition.types.js';
import { parseDuration } from './duration.js';

/** Defaults of the definition format: 4 concurrent steps, a 30 s timeout per attempt, one attempt (no retry). */
export const DEFINITION_DEFAULTS = {
  concurrency: 4,
  timeoutMs: 30_000,
  retry: { maxAttempts: 1, backoffMs: 1_000, multiplier: 2, maxBackoffMs: 60_000 },
} as const;

type Duration = string | number;

/** The file's shape once the JSON Schema has accepted it. */
export interface RawStep {
  id: string; name?: string; tool: string; action: string; agent: string; dependsOn?: string[]; input?: unknown;
  outputSchema?: JsonSchema; timeout?: Duration; optional?: boolean; minConfidence?: number; policyTags?: string[];
  retry?: { maxAttempts?: number; backoff?: Duration; multiplier?: number; maxBackoff?: Duration };
  gate?: { reviewers: string[]; sla?: Duration; escalateTo?: string[] };
}
export interface RawDefinition {
  id: string; version: string; title?: string; trigger?: { type: string; input?: string }; inputSchema?: JsonSchema;
  tools: Record<string, string[]>; agents: Record<string, string[]>; steps: RawStep[]; concurrency?: number;
  maxSteps?: number; requiredSecrets?: string[]; policies?: string[];
}

/** Fills defaults and turns durations into milliseconds (seconds for a gate's SLA). */
export function normalizeDefinition(raw: RawDefinition, source: string): WorkflowDefinition {
  return {
    id: raw.id,
    version: raw.version,
    title: raw.title ?? raw.id,
    source,
    ...(raw.trigger === undefined ? {} : { trigger: { ...raw.trigger } }),
    inputSchema: raw.inputSchema ?? true,
    tools: raw.tools,
    agents: raw.agents,
    steps: raw.steps.map(normalizeStep),
    concurrency: raw.concurrency ?? DEFINITION_DEFAULTS.concurrency,
    ...(raw.maxSteps === undefined ? {} : { maxSteps: raw.maxSteps }),
    requiredSecrets: raw.requiredSecrets ?? [],
    policies: raw.policies ?? [],
  };
}

function normalizeStep(raw: RawStep, index: number): StepDefinition {
  const at = `/steps/${index}`;
  return {
    id: raw.id,
    name: raw.name ?? raw.id,
    tool: raw.tool,
    action: raw.action,
    agent: raw.agent,
    dependsOn: raw.dependsOn ?? [],
    input: raw.input ?? {},
    ...(raw.outputSchema === undefined ? {} : { outputSchema: raw.outputSchema }),
    retry: normalizeRetry(raw.retry, `${at}/retry`),
    timeoutMs: raw.timeout === undefined ? DEFINITION_DEFAULTS.timeoutMs : parseDuration(raw.timeout, `${at}/timeout`),
    optional: raw.optional ?? false,
    ...(raw.gate === undefined ? {} : { gate: normalizeGate(raw.gate, `${at}/gate`) }),
    ...(raw.minConfidence === undefined ? {} : { minConfidence: raw.minConfidence }),
    policyTags: raw.policyTags ?? [],
  };
}

function normalizeRetry(raw: RawStep['retry'], at: string): RetryPolicy {
  const d = DEFINITION_DEFAULTS.retry;
  return {
    maxAttempts: raw?.maxAttempts ?? d.maxAttempts,
    backoffMs: raw?.backoff === undefined ? d.backoffMs : parseDuration(raw.backoff, `${at}/backoff`),
    multiplier: raw?.multiplier ?? d.multiplier,
    maxBackoffMs: raw?.maxBackoff === undefined ? d.maxBackoffMs : parseDuration(raw.maxBackoff, `${at}/maxBackoff`),
  };
}

function normalizeGate(raw: NonNullable<RawStep['gate']>, at: string): GateSpec {
  return {
    reviewers: raw.reviewers,
    ...(raw.sla === undefined ? {} : { slaSeconds: Math.ceil(parseDuration(raw.sla, `${at}/sla`) / 1_000) }),
    ...(raw.escalateTo === undefined ? {} : { escalateTo: raw.escalateTo }),
  };
}
