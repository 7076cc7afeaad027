import { LedgerflowError, recordedUsage, stepUsageIssue } from '@ledgerflow/domain';
import type { ErrorBody, ToolReply, ToolRequest, ToolResult } from '@ledgerflow/contracts';
import { compileSchemaCheck, describeViolations, type SchemaCheck } from './schema-validator.js';
import { isToolOutcome, type ToolContext, type ToolDefinition } from './tool.types.js';

/** A reply with an error body. */
export function failure(
  code: string,
  message: string,
  retryable: boolean,
  details?: Record<string, unknown>,
): ToolReply {
  const error: ErrorBody = details === undefined ? { code, message, retryable } : { code, message, retryable, details };
  return { ok: false, error };
}

const utf8 = new TextDecoder();

/**
 * The request in a message body, or an error reply `message_malformed` naming the first bad field.
 * Expects `{ runId, stepId, attempt (integer >= 1), idempotencyKey, input }`.
 */
export function parseToolRequest(data: Uint8Array): ToolRequest | ToolReply {
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(data));
  } catch (error) {
    return failure('message_malformed', `tool request is not JSON: ${(error as Error).message}`, false);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return failure('message_malformed', 'tool request must be a JSON object', false);
  }
  const request = body as Record<string, unknown>;
  for (const field of ['runId', 'stepId', 'idempotencyKey'] as const) {
    if (typeof request[field] !== 'string' || request[field] === '') {
      return failure('message_malformed', `tool request field ${field} must be a non-empty string`, false, {
        field,
        rule: 'type',
      });
    }
  }
  if (!(Number.isInteger(request.attempt) && (request.attempt as number) >= 1)) {
    return failure('message_malformed', 'tool request field attempt must be an integer >= 1', false, {
      field: 'attempt',
      rule: 'minimum',
    });
  }
  if (!('input' in request))
    return failure('message_malformed', 'tool request field input is required', false, {
      field: 'input',
      rule: 'required',
    });
  return request as unknown as ToolRequest;
}

/** A tool definition with its schemas compiled once. */
export class CompiledTool {
  readonly label: string;
  private readonly checkInput: SchemaCheck | undefined;
  private readonly checkOutput: SchemaCheck | undefined;

  constructor(readonly definition: ToolDefinition<never, unknown>) {
    this.label = `${definition.tool}.${definition.action}`;
    this.checkInput = definition.inputSchema === undefined ? undefined : compileSchemaCheck(definition.inputSchema);
    this.checkOutput = definition.outputSchema === undefined ? undefined : compileSchemaCheck(definition.outputSchema);
  }

  /**
   * Validates the input, runs the handler, validates its result. Never throws: every failure is a reply.
   * Codes: `tool_input_invalid`, `tool_output_invalid` (not retryable, naming the field: an output against the
   * schema, `confidence` outside 0..1, a `usage.<field>` that is not a finite number >= 0 or not a usage field), a thrown
   * LedgerflowError's own code and flag (ToolError included), otherwise `tool_failed` (retryable).
   */
  async call(input: unknown, ctx: ToolContext): Promise<ToolReply> {
    const inputViolations = this.checkInput?.(input) ?? [];
    if (inputViolations.length > 0) {
      return failure(
        'tool_input_invalid',
        `${this.label} input is invalid: ${describeViolations(inputViolations)}`,
        false,
        {
          field: inputViolations[0]?.path,
          rule: inputViolations[0]?.rule,
          errors: inputViolations,
        },
      );
    }
    let returned: unknown;
    try {
      returned = await this.definition.handler(input as never, ctx);
    } catch (error) {
      if (error instanceof LedgerflowError) return failure(error.code, error.message, error.retryable, error.details);
      return failure(
        'tool_failed',
        `${this.label} failed: ${error instanceof Error ? error.message : String(error)}`,
        true,
      );
    }
    return this.checkResult(returned);
  }

  private checkResult(returned: unknown): ToolReply {
    const outcome: ToolResult = isToolOutcome(returned) ? returned : { output: returned };
    const { confidence, lineage, reasoning, alternatives, addSteps, usage } = outcome;
    if (confidence !== undefined && !(typeof confidence === 'number' && confidence >= 0 && confidence <= 1)) {
      return failure(
        'tool_output_invalid',
        `${this.label} confidence must be a number within 0..1, got ${String(confidence)}`,
        false,
        { field: 'confidence', rule: 'range' },
      );
    }
    const usageIssue = stepUsageIssue(usage);
    if (usageIssue !== undefined) {
      return failure('tool_output_invalid', `${this.label} ${usageIssue.message}`, false, {
        field: usageIssue.field,
        rule: usageIssue.rule,
      });
    }
    let output: unknown;
    try {
      output = JSON.parse(JSON.stringify(outcome.output ?? null)) as unknown;
    } catch (error) {
      return failure(
        'tool_output_invalid',
        `${this.label} output is not JSON-serializable: ${(error as Error).message}`,
        false,
        { field: '/', rule: 'json' },
      );
    }
    const violations = this.checkOutput?.(output) ?? [];
    if (violations.length > 0) {
      return failure(
        'tool_output_invalid',
        `${this.label} output is invalid: ${describeViolations(violations)}`,
        false,
        {
          field: violations[0]?.path,
          rule: violations[0]?.rule,
          errors: violations,
        },
      );
    }
    const value: ToolResult = {
      output,
      ...(confidence === undefined ? {} : { confidence }),
      ...(lineage === undefined ? {} : { lineage }),
      ...(reasoning === undefined ? {} : { reasoning }),
      ...(alternatives === undefined ? {} : { alternatives: JSON.parse(JSON.stringify(alternatives)) as unknown[] }),
      ...(addSteps === undefined ? {} : { addSteps: JSON.parse(JSON.stringify(addSteps)) as ToolResult['addSteps'] }),
      ...(recordedUsage(usage) === undefined ? {} : { usage: recordedUsage(usage) }),
    };
    return { ok: true, value };
  }
}
