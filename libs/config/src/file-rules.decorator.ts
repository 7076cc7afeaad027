import { readFileSync } from 'node:fs';
import type { ValidationOptions } from 'class-validator';
import { ValidateBy } from 'class-validator';

function contentOf(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The value is the path of a file this process can read (rule `readableFile`). */
export function IsReadableFile(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'readableFile',
      validator: {
        validate: (path) => contentOf(path) !== undefined,
        defaultMessage: () => 'must be the path of a readable file',
      },
    },
    options,
  );
}

/**
 * The value is the path of a readable file whose content, trimmed, matches `pattern` (rule `fileContent`);
 * the message names `what` the file must hold, never the content.
 */
export function FileContentMatches(pattern: RegExp, what: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'fileContent',
      validator: {
        validate: (path) => pattern.test(contentOf(path)?.trim() ?? ''),
        defaultMessage: () => `must be the path of a readable file holding ${what}`,
      },
    },
    options,
  );
}
