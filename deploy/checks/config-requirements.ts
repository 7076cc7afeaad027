import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRepoFile, repoRoot } from './repo-files.js';

/** The six Ledgerflow services (docs/architecture.md, "Processes"); each is `services/<name>/src/main.ts`. */
export const SERVICE_NAMES = ['gateway', 'planner', 'executor', 'policy', 'approval', 'memory'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What a config class's `@Env` property asks of its variable (read from the TypeScript source). */
export interface EnvRequirement {
  readonly variable: string;
  /** Has `{ default: ... }`. */
  readonly hasDefault: boolean;
  /** `@IsOptional()`. */
  readonly optional: boolean;
  /** `@RequiredWhen(..., 'VAR=value')`: required when that variable has that value. */
  readonly requiredWhen?: { readonly variable: string; readonly value: string };
  /** `@RequiredWhen(..., 'neither A nor B is set')`: required unless one of these variables is set. */
  readonly requiredUnlessSet?: readonly string[];
  /** `@MinLength(n)`. */
  readonly minLength?: number;
  readonly defaultValue?: string;
}

interface ParsedClass {
  readonly name: string;
  readonly extendsName?: string;
  /** `extends Mixin(Base)`: the mixin function's name (its class's bindings come between Base's and this class's). */
  readonly mixinName?: string;
  readonly file: string;
  readonly requirements: EnvRequirement[];
}

/**
 * Parses the config classes of one TypeScript file: each property's decorators (the text between the
 * previous property declaration and this one) give its `@Env` variable, default, `@IsOptional`,
 * `@RequiredWhen` and `@MinLength`.
 */
export function parseConfigClasses(source: string, file: string): ParsedClass[] {
  const classes: ParsedClass[] = [];
  // `export class X extends Base`, `export class X extends Mixin(Base)`, and the (unexported) class inside a mixin.
  const classRe = /(?:export )?class (\w+)(?:\s+extends\s+(\w+)(?:\((\w+)\))?)?(?:\s+implements\s+[\w, ]+)?\s*\{/g;
  for (let m = classRe.exec(source); m !== null; m = classRe.exec(source)) {
    const body = source.slice(m.index + m[0].length, classBody(source, m.index + m[0].length - 1));
    const requirements: EnvRequirement[] = [];
    for (const chunk of body.split(/^\s*\w+[!?]:[^;\n]*;\s*$/m)) {
      const env = /@Env\(\s*'([A-Z0-9_]+)'\s*(?:,\s*\{([^}]*)\})?\s*\)/.exec(chunk);
      if (env === null) continue;
      const defaultValue = /default:\s*'([^']*)'/.exec(env[2] ?? '')?.[1];
      const when = /@RequiredWhen\([\s\S]*?'([A-Z0-9_]+)=([^']+)'\s*\)/.exec(chunk);
      const minLength = /@MinLength\((\d+)\)/.exec(chunk);
      const unless = /@RequiredWhen\([\s\S]*?'neither ([A-Z0-9_]+) nor ([A-Z0-9_]+) is set'\s*\)/.exec(chunk);
      requirements.push({
        variable: env[1] as string,
        hasDefault: defaultValue !== undefined,
        // A `@RequiredWhen` on another variable being set (not `X=value`) leaves the variable optional here.
        optional: /@IsOptional\(/.test(chunk) || (when === null && unless === null && /@RequiredWhen\(/.test(chunk)),
        ...(defaultValue !== undefined ? { defaultValue } : {}),
        ...(when !== null ? { requiredWhen: { variable: when[1] as string, value: when[2] as string } } : {}),
        ...(minLength !== null ? { minLength: Number(minLength[1]) } : {}),
        ...(unless !== null ? { requiredUnlessSet: [unless[1] as string, unless[2] as string] } : {}),
      });
    }
    const [base, mixin] = m[3] !== undefined ? [m[3], m[2]] : [m[2], undefined];
    classes.push({
      name: m[1] as string,
      ...(base !== undefined ? { extendsName: base } : {}),
      ...(mixin !== undefined ? { mixinName: mixin } : {}),
      file,
      requirements,
    });
  }
  return classes;
}

/** Index of the `}` closing the `{` at `open`. */
function classBody(source: string, open: number): number {
  let depth = 0;
  for (let i = open; i < source.length; i += 1) {
    if (source[i] === '{') depth += 1;
    else if (source[i] === '}' && --depth === 0) return i;
  }
  throw new Error(`config-requirements: unbalanced braces after offset ${open}`);
}

const LIB_CONFIG = 'libs/config/src/common.config.ts';

/**
 * Environment requirements of a service: `services/<name>/src/main.ts` names its config class
 * (`runService({ config: X })`); X is found in the file it is imported from (a relative import in the
 * service, or `@ledgerflow/config`), and its `extends` chain is followed. Subclass bindings win.
 * @throws Error naming the file when the class cannot be found.
 */
export function serviceEnvRequirements(service: string): EnvRequirement[] {
  const mainPath = `services/${service}/src/main.ts`;
  const main = readRepoFile(mainPath);
  const className = /config:\s*(\w+)/.exec(main)?.[1];
  if (className === undefined) throw new Error(`${mainPath}: no 'config: <Class>' in runService(...)`);
  const merged = new Map<string, EnvRequirement>();
  for (const cls of classChain(className, main, service)) for (const r of cls.requirements) merged.set(r.variable, r);
  return [...merged.values()];
}

function classChain(className: string, importer: string, service: string): ParsedClass[] {
  const chain: ParsedClass[] = [];
  let name: string | undefined = className;
  let source = importer;
  while (name !== undefined) {
    const file = fileDeclaring(name, source, service);
    const cls = parseConfigClasses(readRepoFile(file), file).find((c) => c.name === name);
    if (cls === undefined) throw new Error(`${file}: class ${name} not found`);
    chain.unshift(cls);
    if (cls.mixinName !== undefined) {
      // The mixin's file declares one class with bindings, the one its function returns (others are doc examples).
      const mixinFile = fileDeclaring(cls.mixinName, readRepoFile(file), service);
      const mixed = parseConfigClasses(readRepoFile(mixinFile), mixinFile).find((c) => c.requirements.length > 0);
      if (mixed === undefined) throw new Error(`${mixinFile}: no class in mixin ${cls.mixinName}`);
      chain.unshift(mixed);
    }
    name = cls.extendsName;
    source = readRepoFile(file);
  }
  return chain;
}

function fileDeclaring(name: string, importer: string, service: string): string {
  const from = new RegExp(`import\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*from\\s*'([^']+)'`).exec(importer)?.[1];
  if (from === undefined) {
    if (new RegExp(`export class ${name}\\b`).test(importer)) return LIB_CONFIG;
    throw new Error(`services/${service}: cannot tell where ${name} is declared`);
  }
  if (from === '@ledgerflow/config') return LIB_CONFIG;
  if (from.startsWith('@ledgerflow/')) return libFileDeclaring(name, from.slice('@ledgerflow/'.length));
  const file = `services/${service}/src/${from.replace(/^\.\//, '').replace(/\.js$/, '.ts')}`;
  if (!existsSync(join(repoRoot, file))) throw new Error(`services/${service}: ${from} does not exist (${file})`);
  return file;
}

/** The source file of `libs/<lib>/src` that exports class or function `name`. */
function libFileDeclaring(name: string, lib: string): string {
  const dir = `libs/${lib}/src`;
  const declares = new RegExp(`export (class|function) ${name}\\b`);
  const file = readdirSync(join(repoRoot, dir))
    .filter((f) => f.endsWith('.ts') && !f.includes('.spec'))
    .map((f) => `${dir}/${f}`)
    .find((f) => declares.test(readRepoFile(f)));
  if (file === undefined) throw new Error(`${dir}: nothing exports ${name}`);
  return file;
}

/** How a variable is provided: a literal (value known) or a reference resolved at deploy time (Secret). */
export type Provided =
  { readonly kind: 'literal'; readonly value: string } | { readonly kind: 'reference'; readonly from: string };

/**
 * Problems with the variables `env` gives a service, one message each (empty: fine): a required
 * variable (no default, not optional, not waived by one of its `requiredUnlessSet`) unset or empty; a `@RequiredWhen` variable unset while its
 * condition holds (the condition variable's value or default); a literal shorter than `@MinLength`.
 */
export function envProblems(
  where: string,
  requirements: readonly EnvRequirement[],
  env: ReadonlyMap<string, Provided>,
): string[] {
  const problems: string[] = [];
  const valueOf = (variable: string): string | undefined => {
    const p = env.get(variable);
    if (p?.kind === 'literal' && p.value !== '') return p.value;
    return requirements.find((r) => r.variable === variable)?.defaultValue;
  };
  const isSet = (variable: string): boolean => {
    const p = env.get(variable);
    return p !== undefined && (p.kind === 'reference' || p.value !== '');
  };
  for (const r of requirements) {
    const waived = r.requiredUnlessSet?.some(isSet) ?? false;
    if (!r.hasDefault && !r.optional && r.requiredWhen === undefined && !waived && !isSet(r.variable)) {
      problems.push(`${where}: ${r.variable} is required (no default) but not set`);
    }
    if (
      r.requiredWhen !== undefined &&
      valueOf(r.requiredWhen.variable) === r.requiredWhen.value &&
      !isSet(r.variable)
    ) {
      problems.push(
        `${where}: ${r.variable} is required when ${r.requiredWhen.variable}=${r.requiredWhen.value} but not set`,
      );
    }
    const p = env.get(r.variable);
    if (r.minLength !== undefined && p?.kind === 'literal' && p.value !== '' && p.value.length < r.minLength) {
      problems.push(`${where}: ${r.variable} has ${p.value.length} characters, at least ${r.minLength} required`);
    }
  }
  return problems;
}

/** The literal values of `env`, as an environment for `loadConfig`. */
export function literalEnv(env: ReadonlyMap<string, Provided>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of env) if (v.kind === 'literal') out[k] = v.value;
  return out;
}
