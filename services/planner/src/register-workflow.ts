import { IsString, Length, Matches } from 'class-validator';
import type { Actor, RegisterWorkflowRequest, RegisterWorkflowResult } from '@ledgerflow/contracts';
import { DefinitionError, readDefinitionSource } from '@ledgerflow/definitions';
import type { DefinitionIssue } from '@ledgerflow/definitions';
import type { WorkflowCatalog } from './workflow-catalog.js';

/** Largest definition text accepted, in characters (the gateway's body limit is 256 KiB). */
export const MAX_DEFINITION_TEXT = 256 * 1024;

/** The body of `lf.planner.register-workflow` (RegisterWorkflowRequest in @ledgerflow/contracts). */
export class RegisterWorkflowDto implements RegisterWorkflowRequest {
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'workflowId must match ^[a-z][a-z0-9-]{0,62}$' })
  workflowId!: string;

  /** YAML (or JSON) text of the definition. */
  @IsString()
  @Length(1, MAX_DEFINITION_TEXT)
  text!: string;

  /** The caller's own bearer JWT, forwarded by the gateway; the planner verifies it (at most 16 KiB). */
  @IsString()
  @Length(1, 16_384)
  token!: string;
}

/**
 * Registers a definition sent over the API (`PUT /v1/workflows/{id}`, `ledgerflow workflows apply`), with the
 * checks and messages of start-up (`readDefinitionSource`), labelled `workflows/<id>`. Every refusal of the text
 * is answered as `definition_invalid` (422), whatever stage refused it: `details` is `{ source, errors, field,
 * rule, reason }`, `errors` the issues (JSON pointer, rule, message, line/column for YAML syntax), `field`/`rule`
 * the first issue's, `reason` the start-up code (`definition_unknown_tool`, `plan_cycle`, ...). Nothing is appended then.
 * @throws DefinitionError `definition_invalid`, also when the definition's `id` is not `workflowId` (rule `matches_path`).
 * @throws WorkflowVersionExistsError `workflow_version_exists` (409) from the catalog.
 */
export async function registerWorkflow(
  catalog: WorkflowCatalog,
  request: Omit<RegisterWorkflowRequest, 'token'>,
  by: Actor,
): Promise<RegisterWorkflowResult> {
  const source = `workflows/${request.workflowId}`;
  let read: ReturnType<typeof readDefinitionSource>;
  try {
    read = readDefinitionSource(request.text, source);
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error;
    throw definitionInvalid(source, error.errors, error.code);
  }
  const { definition, document, digest } = read;
  if (definition.id !== request.workflowId) {
    throw definitionInvalid(
      source,
      [
        {
          path: '/id',
          rule: 'matches_path',
          message: `id is "${definition.id}", but the definition was sent for workflow "${request.workflowId}"`,
        },
      ],
      'definition_invalid',
    );
  }
  return catalog.register({
    workflowId: definition.id,
    version: definition.version,
    definition: document,
    digest,
    source: 'api',
    registeredBy: by,
  });
}

function definitionInvalid(source: string, errors: readonly DefinitionIssue[], reason: string): DefinitionError {
  const first = errors[0];
  return new DefinitionError('definition_invalid', source, errors, {
    reason,
    ...(first ? { field: first.path, rule: first.rule } : {}),
  });
}
