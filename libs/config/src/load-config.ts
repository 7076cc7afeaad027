import 'reflect-metadata';
import type { ValidationError as ClassValidationError } from 'class-validator';
import { validateSync } from 'class-validator';
import type { ConfigIssue } from './config-error.js';
import { ConfigError, SECRET_NAME, displayValue } from './config-error.js';
import { convert, kindOf } from './env-conversion.js';
import { envBindingsOf } from './env.decorator.js';

/** The environment shape read by {@link loadConfig} (`process.env` fits). */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/**
 * Builds a `ConfigClass` instance from environment variables: for each `@Env` property, reads the variable
 * (unset or empty: the `default`, else left as the class initialises it), converts it (see `convert`),
 * then validates the instance with class-validator. An unset variable that fails validation is reported
 * once, as missing (rule `required`, or the property's `requiredWhen`/`isDefined`).
 * @throws ConfigError (`config_invalid`) listing every bad variable by name, its rule and its (masked) value.
 * @example const config = loadConfig(ExecutorConfig); // ExecutorConfig extends CommonConfig
 */
export function loadConfig<T extends object>(ConfigClass: new () => T, env: EnvSource = process.env): T {
  const instance = new ConfigClass();
  const target = instance as Record<string, unknown>;
  const bindings = envBindingsOf(ConfigClass);
  const rawOf = new Map<string, string | undefined>();
  const issues: ConfigIssue[] = [];
  const failed = new Set<string>();

  for (const binding of bindings) {
    const set = env[binding.variable];
    const raw = set === undefined || set === '' ? binding.default : set;
    rawOf.set(binding.property, raw);
    if (raw === undefined) continue;
    const { kind, element } = kindOf(ConfigClass, binding);
    const converted = convert(raw, kind, element);
    if (converted.ok) {
      target[binding.property] = converted.value;
    } else {
      failed.add(binding.property);
      target[binding.property] = raw;
      issues.push({
        variable: binding.variable,
        rule: converted.rule,
        message: converted.message,
        value: displayValue(binding.variable, raw),
      });
    }
  }

  const variableOf = new Map(bindings.map((b) => [b.property, b.variable]));
  for (const error of flatten(validateSync(instance, { forbidUnknownValues: false }))) {
    if (failed.has(error.property)) continue;
    const variable = variableOf.get(error.property) ?? error.property;
    const raw = rawOf.has(error.property) ? rawOf.get(error.property) : stringOf(error.value);
    let constraints = Object.entries(error.constraints ?? {});
    if (raw === undefined && constraints.length > 0) constraints = [requiredConstraint(constraints)];
    for (const [rule, text] of constraints) {
      issues.push({
        variable,
        rule,
        message: cleanMessage(text, error.property, variable, raw),
        value: displayValue(variable, raw),
      });
    }
  }

  if (issues.length > 0) throw new ConfigError(issues, ConfigClass.name);
  return instance;
}

/**
 * An unset variable breaks every format rule too; report it once, as missing: the `requiredWhen` or
 * `isDefined` constraint when the class has one, else rule `required`.
 */
function requiredConstraint(constraints: [string, string][]): [string, string] {
  return (
    constraints.find(([rule]) => rule === 'requiredWhen' || rule === 'isDefined') ?? [
      'required',
      'is required (unset, and no default)',
    ]
  );
}

function flatten(errors: ClassValidationError[]): ClassValidationError[] {
  return errors.flatMap((e) => [e, ...flatten(e.children ?? [])]);
}

function stringOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** class-validator messages start with the property name ("X must be ..."): drop it; never echo a secret. */
function cleanMessage(text: string, property: string, variable: string, raw: string | undefined): string {
  let message = text;
  if (message.startsWith(`${property} `)) message = message.slice(property.length + 1);
  else if (message.startsWith(`each value in ${property} `))
    message = `each item ${message.slice(`each value in ${property} `.length)}`;
  if (raw !== undefined && raw !== '' && SECRET_NAME.test(variable)) message = message.split(raw).join('<redacted>');
  return message;
}
