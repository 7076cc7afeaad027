import { LedgerflowError } from '@ledgerflow/domain';

/** One broken rule. `value` is already masked for display. */
export interface ConfigIssue {
  /** Environment variable name, e.g. `LEDGERFLOW_METRICS_PORT`. */
  readonly variable: string;
  /** The rule's name (class-validator constraint, or `number`/`boolean` for conversions), e.g. `max`. */
  readonly rule: string;
  /** What the rule requires, e.g. `must not be greater than 65535`. */
  readonly message: string;
  /** The offending value as displayed: `"70000"`, `(unset)` or `<redacted>`. */
  readonly value: string;
}

/** Names whose values are never displayed (credentials). */
export const SECRET_NAME = /SECRET|TOKEN|PASSWORD|KEY/i;

const MAX_SHOWN = 200;

/**
 * A value as it may appear in an error: `(unset)` when undefined, `<redacted>` for a variable whose name
 * contains SECRET, TOKEN, PASSWORD or KEY, otherwise quoted with URL passwords (`scheme://user:pw@`) masked
 * and cut at 200 characters.
 */
export function displayValue(variable: string, raw: string | undefined): string {
  if (raw === undefined) return '(unset)';
  if (SECRET_NAME.test(variable)) return '<redacted>';
  let shown = raw.replace(/(\/\/[^/:@\s]*):[^@/\s]*@/g, '$1:***@');
  if (shown.length > MAX_SHOWN) shown = `${shown.slice(0, MAX_SHOWN)}...`;
  return JSON.stringify(shown);
}

/**
 * The configuration is invalid: code `config_invalid`, not retryable. The message lists every issue on its
 * own line as `- <VARIABLE>: <rule message> (rule <rule>; got <value>)`; `details.issues` holds them too.
 * Services stop on it (see {@link runOrExit}, exit code 78).
 */
export class ConfigError extends LedgerflowError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], configName = 'configuration') {
    const lines = issues.map((i) => `  - ${i.variable}: ${i.message} (rule ${i.rule}; got ${i.value})`);
    super(
      'config_invalid',
      `Invalid ${configName}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`,
      false,
      { issues: issues.map((i) => ({ ...i })) },
    );
    this.issues = issues;
  }
}
