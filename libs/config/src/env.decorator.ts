import 'reflect-metadata';

/** How a variable's string is turned into the property's value. */
export type EnvKind = 'string' | 'number' | 'boolean' | 'list';

/** Options of {@link Env}. */
export interface EnvOptions {
  /** Used when the variable is unset or empty; converted like a set value. */
  readonly default?: string;
  /**
   * Conversion; default: inferred from the property's design type (`number`, `boolean`, `string[]`),
   * else from its validators (`@IsInt`, `@IsNumber`, `@Min`, `@Max` -> number; `@IsBoolean` -> boolean;
   * `@IsArray`, `@ArrayNotEmpty` -> list), else string.
   */
  readonly type?: EnvKind;
}

/** What {@link Env} recorded for one property. */
export interface EnvBinding extends EnvOptions {
  /** Environment variable name, e.g. `NATS_URL`. */
  readonly variable: string;
  readonly property: string;
  /** `design:type` emitted by TypeScript (`emitDecoratorMetadata`), when known. */
  readonly designType?: unknown;
}

const bindings = new WeakMap<object, Map<string, EnvBinding>>();

/**
 * Binds a config class property to the environment variable `variable`; {@link loadConfig} reads it.
 * Combine with class-validator decorators for the rules.
 * @example
 * class PolicyConfig extends CommonConfig {
 *   @Env('LEDGERFLOW_GRANT_TTL_SECONDS', { default: '300' }) @IsInt() @Min(1) LEDGERFLOW_GRANT_TTL_SECONDS!: number;
 * }
 */
export function Env(variable: string, options: EnvOptions = {}): PropertyDecorator {
  return (target: object, propertyKey: string | symbol): void => {
    if (typeof propertyKey !== 'string') throw new TypeError(`@Env('${variable}') needs a string property name`);
    const ctor = (target as { constructor: object }).constructor;
    let own = bindings.get(ctor);
    if (own === undefined) {
      own = new Map();
      bindings.set(ctor, own);
    }
    const designType: unknown = Reflect.getMetadata('design:type', target, propertyKey);
    own.set(propertyKey, {
      ...options,
      variable,
      property: propertyKey,
      ...(designType !== undefined ? { designType } : {}),
    });
  };
}

/** Every {@link Env} binding of `ctor`, inherited ones first; a subclass may re-bind a property. */
export function envBindingsOf(ctor: object): EnvBinding[] {
  const chain: object[] = [];
  for (
    let c: object | null = ctor;
    c !== null && c !== Function.prototype;
    c = Object.getPrototypeOf(c) as object | null
  )
    chain.unshift(c);
  const merged = new Map<string, EnvBinding>();
  for (const c of chain) for (const [property, binding] of bindings.get(c) ?? []) merged.set(property, binding);
  return [...merged.values()];
}
