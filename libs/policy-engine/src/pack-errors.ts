import { LedgerflowError } from '@ledgerflow/domain';

/** Code of every error about a pack's content (syntax, schema, Cedar, naming). Not retryable. */
export const POLICY_PACK_INVALID = 'policy_pack_invalid';
/** Code of a second file declaring an `<id>@<version>` already loaded. */
export const POLICY_PACK_DUPLICATE = 'policy_pack_duplicate';
/** Code of a policy test cases file that cannot be read (see `parsePolicyCases`). */
export const POLICY_CASES_INVALID = 'policy_cases_invalid';

/**
 * An error at a position of a file: `<file>:<line>:<column>: <problem>`, `details` `{file, line, column}`.
 * Not retryable: the service runtime turns a `policy_pack_invalid` at start into exit code 78 with this line.
 */
export function fileError(
  code: string,
  file: string,
  line: number,
  column: number,
  problem: string,
  extra: Record<string, unknown> = {},
): LedgerflowError {
  return new LedgerflowError(code, `${file}:${line}:${column}: ${problem}`, false, { file, line, column, ...extra });
}

/** A pack that cannot be loaded (`policy_pack_invalid`), see {@link fileError}. */
export function packInvalid(
  file: string,
  line: number,
  column: number,
  problem: string,
  extra: Record<string, unknown> = {},
): LedgerflowError {
  return fileError(POLICY_PACK_INVALID, file, line, column, problem, extra);
}
