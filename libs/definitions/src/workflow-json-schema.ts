import { definitionSchema } from './definition.schema.js';

/** Where editors and tools find the published schema in the repository (generated, see {@link workflowJsonSchemaText}). */
export const WORKFLOW_SCHEMA_FILE = 'schemas/workflow.schema.json';

/**
 * The JSON Schema (draft-07) of a workflow definition file as published for editors and other tools: the schema
 * `parseDefinition` checks first (`definitionSchema`, the single source), with `$schema`, a title and a description
 * added. It covers the shape only: the checks after it (expressions, declared tools and agents, `maxSteps`, the
 * plan's cycles and dependencies, recoveries; see `parseDefinition`) need `ledgerflow workflows validate`.
 */
export function workflowJsonSchema(): Record<string, unknown> {
  const { $id, ...rest } = definitionSchema;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id,
    title: 'Ledgerflow workflow definition',
    description:
      'A workflow definition file (YAML or JSON), docs/definitions.md. Generated from libs/definitions ' +
      '(definition.schema.ts) by `ledgerflow workflows schema`; the shape only: `ledgerflow workflows validate` ' +
      'also applies the checks the gateway applies at registration.',
    ...rest,
  };
}

/**
 * {@link workflowJsonSchema} as the text of {@link WORKFLOW_SCHEMA_FILE}: JSON indented by two spaces, with a final
 * newline. The committed file must equal it (a unit test of the CLI compares them).
 */
export const workflowJsonSchemaText = (): string => `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`;
