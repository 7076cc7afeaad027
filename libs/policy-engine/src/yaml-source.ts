import type { ValidateFunction } from 'ajv';
import { LineCounter, isNode, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { POLICY_PACK_INVALID, fileError } from './pack-errors.js';

/** A parsed YAML document with line lookup, for error positions. */
export interface YamlSource {
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly source: string;
  /** Error code used for this file's problems (`policy_pack_invalid` by default). */
  readonly code: string;
}

/**
 * Parses a YAML file into a document, or throws `policy_pack_invalid` at the first YAML syntax error
 * (`<source>:<line>:<column>: YAML: <message>`).
 */
export function readYaml(text: string, source: string, code = POLICY_PACK_INVALID): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos?.[0] ?? { line: 1, col: 1 };
    throw fileError(code, source, at.line, at.col, `YAML: ${error.message.split('\n')[0]}`);
  }
  return { doc, lines, source, code };
}

/**
 * Validates `value` with `validate`; on failure throws `policy_pack_invalid` at the line of the first
 * offending node: `<source>:<line>:<column>: <json-pointer> <rule>` (every problem, `; `-separated).
 */
export function assertSchema(yaml: YamlSource, value: unknown, validate: ValidateFunction): void {
  if (validate(value)) return;
  const errors = validate.errors ?? [];
  const first = errors[0];
  const at = positionOfPointer(yaml, first?.instancePath ?? '');
  const problems = errors
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${allowedOf(e.params)}`)
    .join('; ');
  throw fileError(yaml.code, yaml.source, at.line, at.column, problems, { errors });
}

function allowedOf(params: Record<string, unknown>): string {
  if (Array.isArray(params['allowedValues'])) return ` (${(params['allowedValues'] as unknown[]).join(', ')})`;
  if (typeof params['additionalProperty'] === 'string') return ` ("${params['additionalProperty']}")`;
  return '';
}

export function positionOfPointer(yaml: YamlSource, pointer: string): { line: number; column: number } {
  const path = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const node = path.length === 0 ? yaml.doc.contents : yaml.doc.getIn(path, true);
  const offset = isNode(node) && node.range ? node.range[0] : 0;
  const pos = yaml.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}
