import { parseDocument } from 'yaml';
import { inputDigestOf } from '@ledgerflow/audit';
import { DefinitionError } from './definition.errors.js';
import type { WorkflowDefinition } from './definition.types.js';
import { parseDefinition } from './parse-definition.js';

/**
 * A definition read for registration: the document as written (the YAML as JSON, before defaults), its digest,
 * and the validated definition built from that very document.
 */
export interface DefinitionSource {
  readonly document: Readonly<Record<string, unknown>>;
  /** `sha256:` + 64 hex digits over the canonical JSON of `document` (see {@link definitionDigestOf}). */
  readonly digest: string;
  readonly definition: WorkflowDefinition;
}

/**
 * The digest of a definition document: SHA-256 over its canonical JSON (RFC 8785 style, `@ledgerflow/audit`),
 * as `sha256:<hex>`, the same function that digests step inputs. Key order, YAML comments and layout do not
 * change it; any change of a value does.
 */
export const definitionDigestOf = (document: unknown): string => inputDigestOf(document);

/**
 * Reads a definition's text (YAML; JSON is YAML too) for registration, with exactly the checks and errors of
 * start-up (`parseDefinition`: YAML syntax with line and column, the JSON Schema, expressions, tools, agents,
 * the plan, recoveries), then builds the definition again from the JSON form of the document, as a reader of
 * the stored event will (`definitionOfDocument`), so that what is recorded always loads.
 * @param source the label that starts every error message (a file path, or `workflows/<id>` for the API).
 * @throws DefinitionError (code `definition_invalid`, `definition_unknown_tool`, `plan_cycle`, ...; details
 *   `{ source, errors: [{ path, rule, message, line?, column? }] }`).
 */
export function readDefinitionSource(text: string, source: string): DefinitionSource {
  parseDefinition(text, source);
  // parseDefinition has accepted the text: it parses, and to the same value as here (same options).
  const parsed = parseDocument(text, { uniqueKeys: true }).toJS({ maxAliasCount: 100 }) as unknown;
  const document = JSON.parse(JSON.stringify(parsed)) as Record<string, unknown>;
  return { document, digest: definitionDigestOf(document), definition: definitionOfDocument(document, source) };
}

/**
 * The validated definition of a stored document (`WorkflowVersionRegistered.definition`).
 * @throws DefinitionError as `parseDefinition` (e.g. for a document recorded before a rule got stricter).
 */
export function definitionOfDocument(document: unknown, source: string): WorkflowDefinition {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new DefinitionError('definition_invalid', source, [
      { path: '', rule: 'type', message: 'a definition is an object' },
    ]);
  }
  return parseDefinition(JSON.stringify(document), source);
}
