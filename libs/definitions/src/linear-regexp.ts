import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';

/**
 * Regular expressions written in definitions and schemas (`inputSchema` `pattern`/`patternProperties`,
 * JSONata `/.../` literals) run on RE2 (`re2js`, a pure-JS port of Google's RE2): matching takes time
 * linear in the input, so `/^(a+)+$/` on a long string cannot hold an event loop. RE2 has no
 * backreferences (`\1`) and no lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`); such patterns are refused
 * when the definition is loaded (see https://github.com/google/re2/wiki/Syntax).
 */

/** JS flags RE2 understands: `i`, `m`, `s`; `g`, `u`, `y` and `d` change nothing RE2 needs to know. */
function flagsOf(flags: string): number {
  let result = 0;
  if (flags.includes('i')) result |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) result |= RE2JS.MULTILINE;
  if (flags.includes('s')) result |= RE2JS.DOTALL;
  return result;
}

/**
 * Compiles a pattern in JavaScript syntax for RE2.
 * @param pattern the source, as in `new RegExp(pattern)`; `flags` as in JS (`i`, `m`, `s` are honoured).
 * @throws Error `pattern "<source>" is not supported by the linear-time engine (RE2): <reason>` for
 *   backreferences, lookaround and other syntax RE2 lacks, or a pattern that is not valid at all.
 */
export function compileLinearRegExp(pattern: string, flags = ''): RE2JS {
  try {
    return RE2JS.compile(RE2JS.translateRegExp(pattern), flagsOf(flags));
  } catch (error) {
    throw new Error(
      `pattern ${JSON.stringify(pattern)} is not supported by the linear-time engine (RE2): ${(error as Error).message}` +
        ' (backreferences and lookaround are not available)',
    );
  }
}

/** The refusal reason for a pattern RE2 cannot run, or undefined when it can. */
export function linearRegExpProblem(pattern: string, flags = ''): string | undefined {
  try {
    compileLinearRegExp(pattern, flags);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Ajv's `code.regExp` engine backed by RE2: `test(s)` is an unanchored search, as with `RegExp#test`.
 * Standalone code generation is not supported with it (Ajv emits `code` only there).
 */
export const ajvLinearRegExp: RegExpEngine = Object.assign(
  (pattern: string, unicode: string) => {
    const re = compileLinearRegExp(pattern, unicode);
    // Ajv caches compiled patterns by `toString()`: it must name the pattern.
    return { test: (text: string): boolean => re.matcher(text).find(), toString: () => `/${pattern}/${unicode}` };
  },
  { code: 'require("re2js").RE2JS.compile' },
);
