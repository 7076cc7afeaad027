import { join } from 'node:path';
import ts from 'typescript';
import type { Json } from './repo-files.js';
import { isObject, repoRoot } from './repo-files.js';

/** An object to check: its `I<Kind>` interface's module (a kubernetes-models module), and where to report it. */
export interface TypedObject {
  readonly module: string;
  readonly kind: string;
  readonly doc: Json;
  readonly where: string;
}

const ENTRY = join(repoRoot, 'deploy/checks/__manifest-types.ts');

/**
 * Fields the schema of their object does not declare (a typo such as `readinesProbe`, which the API server drops or,
 * with `kubectl apply --validate=strict`, refuses). The schema is the TypeScript interface `I<Kind>` that
 * kubernetes-models generates from the same OpenAPI document as its validators (the precompiled validators let unknown
 * fields through and ship no JSON Schema): TypeScript's checker resolves each property's type, the walk compares keys.
 * A map type (labels, `data`, `resources.limits`), `any` or an empty type (preserve-unknown-fields) accepts any key.
 * Objects whose module does not resolve are skipped (report them elsewhere).
 * @returns one line per unknown field, `<where>: <JSON pointer of its object>: unknown field '<name>'`.
 */
export function unknownFieldProblems(objects: readonly TypedObject[]): string[] {
  if (objects.length === 0) return [];
  const source = objects
    .map((o, i) => `import type { I${o.kind} as T${i} } from '${o.module}';\ndeclare const v${i}: T${i};`)
    .join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts'],
    types: [],
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) =>
    name === ENTRY ? ts.createSourceFile(name, source, version) : getSourceFile.call(host, name, version, ...rest);
  host.fileExists = (name) => name === ENTRY || fileExists.call(host, name);
  host.readFile = (name) => (name === ENTRY ? source : readFile.call(host, name));
  const program = ts.createProgram([ENTRY], options, host);
  const checker = program.getTypeChecker();
  const declarations = (program.getSourceFile(ENTRY)?.statements ?? []).flatMap((s) =>
    ts.isVariableStatement(s) ? s.declarationList.declarations : [],
  );
  const problems: string[] = [];
  objects.forEach((o, i) => {
    const decl = declarations[i];
    if (decl === undefined) return;
    const type = checker.getTypeAtLocation(decl.name);
    if (type.flags & ts.TypeFlags.Any) return; // the module did not resolve
    walk(checker, o.doc, type, '', (path, key) => problems.push(`${o.where}: ${path || '/'}: unknown field '${key}'`));
  });
  return problems;
}

/** The object or array members of `type` (unions expanded, null/undefined and primitives left out). */
function members(type: ts.Type): ts.Type[] {
  return (type.isUnion() ? type.types : [type]).filter((t) => (t.flags & ts.TypeFlags.Object) !== 0);
}

/** A key as a JSON Pointer token (RFC 6901): `~` and `/` escaped. */
const pointer = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

function walk(
  checker: ts.TypeChecker,
  value: Json,
  type: ts.Type,
  path: string,
  unknown: (path: string, key: string) => void,
): void {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  const candidates = members(type);
  if (Array.isArray(value)) {
    const array = candidates.find((t) => checker.isArrayType(t));
    if (array === undefined) return;
    const element = checker.getTypeArguments(array as ts.TypeReference)[0];
    if (element !== undefined) value.forEach((v, i) => walk(checker, v, element, `${path}/${i}`, unknown));
    return;
  }
  if (!isObject(value)) return;
  const objects = candidates.filter((t) => !checker.isArrayType(t));
  if (objects.length === 0) return; // a type mismatch: the schema validator names it
  const map = objects.map((t) => checker.getIndexInfoOfType(t, ts.IndexKind.String)).find((info) => info);
  if (map !== undefined) {
    for (const [k, v] of Object.entries(value)) walk(checker, v, map.type, `${path}/${pointer(k)}`, unknown);
    return;
  }
  if (objects.every((t) => checker.getPropertiesOfType(t).length === 0)) return;
  for (const [key, v] of Object.entries(value)) {
    const property = objects.map((t) => checker.getPropertyOfType(t, key)).find((p) => p !== undefined);
    if (property === undefined) unknown(path, key);
    else walk(checker, v, checker.getTypeOfSymbol(property), `${path}/${pointer(key)}`, unknown);
  }
}
