import { Allow, IsInt, IsNotEmpty, IsString, Matches, Min } from 'class-validator';
import { INPUT_DIGEST_FORMAT } from '@ledgerflow/contracts';
import type { PolicyEvaluateRequest } from '@ledgerflow/contracts';
import { MAX_JSON_DEPTH, jsonDepth, validateBody } from '@ledgerflow/service-runtime';

/**
 * The body of `lf.policy.evaluate` (see PolicyEvaluateRequest in @ledgerflow/contracts). Validated with
 * `forbidNonWhitelisted`: a body claiming an agent, capabilities, tool, action or policy tags is refused
 * with `request_invalid` (those facts come from the run's events only).
 */
export class PolicyEvaluateDto implements PolicyEvaluateRequest {
  @IsString() @IsNotEmpty() runId!: string;
  @IsString() @IsNotEmpty() stepId!: string;
  @IsInt() @Min(1) attempt!: number;
  @Allow() input!: unknown;
  @IsString()
  @Matches(INPUT_DIGEST_FORMAT, { message: 'inputDigest must be sha256:<64 lower-case hex digits>' })
  inputDigest!: string;
}

const FIELDS = new Set(['runId', 'stepId', 'attempt', 'input', 'inputDigest']);

/**
 * The request in a parsed `lf.policy.evaluate` body, validated once: a body every rule of {@link PolicyEvaluateDto}
 * accepts (only its five fields, non-empty `runId` and `stepId`, integer `attempt` >= 1, `inputDigest` in
 * `INPUT_DIGEST_FORMAT`, nested at most `MAX_JSON_DEPTH` levels) is returned as it is, after plain checks (~1 us);
 * anything else goes through `validateBody(PolicyEvaluateDto, body)` (class-validator, ~25 us), which throws the
 * error that names the fields.
 * @throws ValidationError `request_invalid`, `payload_too_deep` or `message_malformed` (validateBody), none retryable.
 */
export function policyEvaluateRequestOf(body: unknown): PolicyEvaluateRequest {
  return isWellFormed(body) ? body : validateBody(PolicyEvaluateDto, body);
}

function isWellFormed(body: unknown): body is PolicyEvaluateRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) return false;
  const { runId, stepId, attempt, inputDigest } = body as Record<string, unknown>;
  return (
    typeof runId === 'string' &&
    runId !== '' &&
    typeof stepId === 'string' &&
    stepId !== '' &&
    typeof attempt === 'number' &&
    Number.isInteger(attempt) &&
    attempt >= 1 &&
    typeof inputDigest === 'string' &&
    INPUT_DIGEST_FORMAT.test(inputDigest) &&
    jsonDepth(body, MAX_JSON_DEPTH) <= MAX_JSON_DEPTH
  );
}
