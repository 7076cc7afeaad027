import { subjects } from '@ledgerflow/contracts';

/** Characters a NATS subject token must not contain: `.` (separator), wildcards, whitespace. */
const UNSAFE_TOKEN_CHARS = /[.*>\s]/g;

/** A subject token made safe: unsafe characters become `_` (an empty token becomes `_`). */
export const subjectToken = (value: string): string => value.replace(UNSAFE_TOKEN_CHARS, '_') || '_';

/** Category of a stream id: the part before its first `-` (`run-42` -> `run`), or the whole id without one. */
export const categoryOf = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  return dash > 0 ? streamId.slice(0, dash) : streamId;
};

/**
 * The JetStream subject of a relayed event: `lf.evt.<category>.<streamId>.<type>` (contracts
 * `subjects.event`). Ids should not contain `.`, `*`, `>` or spaces (contracts rule); if one does, those
 * characters are replaced by `_` so the subject stays 5 tokens long and the event is still relayed.
 */
export function eventSubject(event: { readonly streamId: string; readonly type: string }): string {
  return subjects.event(
    subjectToken(categoryOf(event.streamId)),
    subjectToken(event.streamId),
    subjectToken(event.type),
  );
}
