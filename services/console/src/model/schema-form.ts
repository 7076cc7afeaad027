/**
 * The start-run form of a workflow, generated from its `inputSchema` (JSON Schema, as `GET /v1/workflows/{id}`
 * answers it). Flat schemas only: an object's top-level properties become fields (string, number, integer,
 * boolean, enum); a property of any other shape is a JSON field, and a schema without properties is one JSON field
 * for the whole input. Nothing is validated here beyond turning text into JSON values: the gateway checks the input
 * against the schema and answers 422 `input_invalid` naming each field (`details.errors[].path`, a JSON pointer).
 */
export type FieldKind = 'text' | 'number' | 'integer' | 'boolean' | 'choice' | 'json';

export interface FormField {
  /** The property name; the whole input when the form is one JSON field (`''`). */
  readonly name: string;
  readonly label: string;
  readonly kind: FieldKind;
  readonly required: boolean;
  readonly description?: string;
  /** The allowed values of a `choice` (the schema's `enum`), as JSON text. */
  readonly options?: readonly string[];
  /** The field's JSON pointer in the input (`/name`; `` for the whole input). */
  readonly pointer: string;
}

type Schema = Readonly<Record<string, unknown>>;
const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 6901 escaping of one reference token. */
const pointerOf = (name: string): string => `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;

function kindOf(schema: unknown): Pick<FormField, 'kind' | 'options'> {
  if (!isSchema(schema)) return { kind: 'json' };
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0)
    return { kind: 'choice', options: schema['enum'].map((value) => JSON.stringify(value)) };
  switch (schema['type']) {
    case 'string':
      return { kind: 'text' };
    case 'number':
      return { kind: 'number' };
    case 'integer':
      return { kind: 'integer' };
    case 'boolean':
      return { kind: 'boolean' };
    default:
      return { kind: 'json' };
  }
}

/** The fields of the form for `inputSchema`. */
export function formFieldsOf(inputSchema: unknown): FormField[] {
  const properties =
    isSchema(inputSchema) && isSchema(inputSchema['properties']) ? inputSchema['properties'] : undefined;
  if (!properties || Object.keys(properties).length === 0) {
    return [{ name: '', label: 'Input (JSON)', kind: 'json', required: true, pointer: '' }];
  }
  const required = new Set(
    isSchema(inputSchema) && Array.isArray(inputSchema['required'])
      ? inputSchema['required'].filter((name): name is string => typeof name === 'string')
      : [],
  );
  return Object.entries(properties).map(([name, schema]) => {
    const described = isSchema(schema) ? schema : {};
    return {
      name,
      label: typeof described['title'] === 'string' ? described['title'] : name,
      required: required.has(name),
      pointer: pointerOf(name),
      ...(typeof described['description'] === 'string' ? { description: described['description'] } : {}),
      ...kindOf(schema),
    };
  });
}

/** What a person typed, by field name: text for most fields, `'true'`/`''` for a checkbox. */
export type FormValues = Readonly<Record<string, string>>;

/** The run input, or the fields whose text is not a value of their kind (by name, a sentence each). */
export type FormInput = { readonly input: unknown } | { readonly errors: Readonly<Record<string, string>> };

/**
 * The run input the form's `values` make. An empty field is left out of the input (so a missing required one is
 * the gateway's to name); a checkbox is always sent; the whole-input JSON field defaults to `{}`.
 */
export function inputOf(fields: readonly FormField[], values: FormValues): FormInput {
  const errors: Record<string, string> = {};
  const input: Record<string, unknown> = {};
  for (const field of fields) {
    const text = (values[field.name] ?? '').trim();
    if (field.kind === 'boolean') {
      input[field.name] = text === 'true';
      continue;
    }
    if (field.name === '' && field.kind === 'json') {
      try {
        return { input: JSON.parse(text || '{}') as unknown };
      } catch (error) {
        return { errors: { '': `not JSON: ${(error as Error).message}` } };
      }
    }
    if (text === '') continue;
    switch (field.kind) {
      case 'text':
        input[field.name] = values[field.name];
        break;
      case 'number':
      case 'integer': {
        const number = Number(text);
        if (Number.isFinite(number)) input[field.name] = number;
        else errors[field.name] = 'not a number';
        break;
      }
      case 'choice':
      case 'json':
        try {
          input[field.name] = JSON.parse(text) as unknown;
        } catch (error) {
          errors[field.name] = `not JSON: ${(error as Error).message}`;
        }
        break;
    }
  }
  return Object.keys(errors).length > 0 ? { errors } : { input };
}

/** One issue of a 422 `input_invalid` answer (`details.errors`). */
export interface InputIssue {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

/**
 * The gateway's issues placed next to their fields: by field name, the messages whose JSON pointer is the field's
 * or inside it; issues of no field (the whole input, `''` or `/`) under `''`.
 */
export function issuesByField(fields: readonly FormField[], issues: readonly InputIssue[]): Record<string, string[]> {
  const placed: Record<string, string[]> = {};
  for (const issue of issues) {
    const field = fields.find(
      (candidate) =>
        candidate.pointer !== '' &&
        (issue.path === candidate.pointer || issue.path.startsWith(`${candidate.pointer}/`)),
    );
    const key = field?.name ?? '';
    (placed[key] ??= []).push(`${issue.message} (${issue.rule})`);
  }
  return placed;
}
