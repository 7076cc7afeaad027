import type { ValidationOptions } from 'class-validator';
import { ValidateBy, ValidateIf } from 'class-validator';

/**
 * Cross-field rule: the property is required when `condition(config)` holds (rule name `requiredWhen`);
 * otherwise it is optional, and its other validators run only when it is set.
 * @param description what makes it required, for the message, e.g. `LEDGERFLOW_STORE=eventstoredb`.
 * @example @RequiredWhen((c: CommonConfig) => c.LEDGERFLOW_STORE === 'eventstoredb', 'LEDGERFLOW_STORE=eventstoredb')
 */
export function RequiredWhen<T>(
  condition: (config: T) => boolean,
  description: string,
  options?: ValidationOptions,
): PropertyDecorator {
  const onlyIf = ValidateIf(
    (config: T, value: unknown) => condition(config) || (value !== undefined && value !== null && value !== ''),
  );
  const required = ValidateBy(
    {
      name: 'requiredWhen',
      validator: {
        validate: (value: unknown) => value !== undefined && value !== null && value !== '',
        defaultMessage: () => `is required when ${description}`,
      },
    },
    options,
  );
  return (target: object, propertyKey: string | symbol): void => {
    onlyIf(target, propertyKey);
    required(target, propertyKey);
  };
}
