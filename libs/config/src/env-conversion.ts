import { getMetadataStorage } from 'class-validator';
import type { EnvBinding, EnvKind } from './env.decorator.js';

/** A converted value, or the rule the string broke. */
export type Conversion =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly rule: string; readonly message: string };

const NUMERIC = new Set(['isInt', 'isNumber', 'min', 'max', 'isPositive', 'isNegative', 'isDivisibleBy']);
const LIST = new Set(['isArray', 'arrayNotEmpty', 'arrayMinSize', 'arrayMaxSize', 'arrayUnique', 'arrayContains']);
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function validatorNames(ctor: object, property: string, each: boolean): Set<string> {
  const metas = getMetadataStorage().getTargetValidationMetadatas(ctor as new () => object, '', true, false);
  return new Set(metas.filter((m) => m.propertyName === property && m.each === each).map((m) => m.name ?? m.type));
}

/** The conversion of `binding` on `ctor`: explicit `type`, else design type, else validators (see {@link EnvOptions.type}). */
export function kindOf(ctor: object, binding: EnvBinding): { kind: EnvKind; element: 'string' | 'number' } {
  const eachNumeric = [...validatorNames(ctor, binding.property, true)].some((n) => NUMERIC.has(n));
  const element = eachNumeric ? 'number' : 'string';
  if (binding.type !== undefined) return { kind: binding.type, element };
  if (binding.designType === Number) return { kind: 'number', element };
  if (binding.designType === Boolean) return { kind: 'boolean', element };
  if (binding.designType === Array) return { kind: 'list', element };
  if (binding.designType === String) return { kind: 'string', element };
  const names = validatorNames(ctor, binding.property, false);
  if ([...names].some((n) => LIST.has(n))) return { kind: 'list', element };
  if ([...names].some((n) => NUMERIC.has(n))) return { kind: 'number', element };
  if (names.has('isBoolean')) return { kind: 'boolean', element };
  return { kind: 'string', element };
}

function toNumber(raw: string): Conversion {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n)) return { ok: false, rule: 'number', message: 'must be a number' };
  return { ok: true, value: n };
}

/**
 * Converts one variable's string. Numbers: JavaScript numeric literals (`8080`, `1.5`, `1e3`). Booleans:
 * true/false, 1/0, yes/no, on/off (any case). Lists: comma-separated, items trimmed, empty items dropped.
 */
export function convert(raw: string, kind: EnvKind, element: 'string' | 'number'): Conversion {
  switch (kind) {
    case 'string':
      return { ok: true, value: raw };
    case 'number':
      return toNumber(raw);
    case 'boolean': {
      const b = raw.trim().toLowerCase();
      if (TRUE.has(b)) return { ok: true, value: true };
      if (FALSE.has(b)) return { ok: true, value: false };
      return { ok: false, rule: 'boolean', message: 'must be a boolean (true/false, 1/0, yes/no, on/off)' };
    }
    case 'list': {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (element === 'string') return { ok: true, value: items };
      const values: number[] = [];
      for (const item of items) {
        const c = toNumber(item);
        if (!c.ok)
          return {
            ok: false,
            rule: 'number',
            message: `must be a comma-separated list of numbers ("${item}" is not one)`,
          };
        values.push(c.value as number);
      }
      return { ok: true, value: values };
    }
    default: {
      const never: never = kind;
      throw new TypeError(`unknown env kind ${String(never)}`);
    }
  }
}
